package webpage

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every English title and text an emulator gives its message pages (and
// the reasons it passes them) has a Japanese translation: a page added in
// English only fails here, not in front of a Japanese user.
func TestEveryMessagePageHasJapanese(t *testing.T) {
	fset := token.NewFileSet()
	texts := map[string]string{} // English → where
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		literal := func(e ast.Expr) {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					texts[s] = fset.Position(lit.Pos()).String()
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				// writePage(w, r, status, title, text, args…), WriteMessage
				// likewise, Message(r, title, text, args…).
				first := map[string]int{"writePage": 3, "WriteMessage": 3, "Message": 1, "message": 1}
				if i, ok := first[name]; ok && len(n.Args) > i {
					for _, a := range n.Args[i:] {
						literal(a)
					}
				}
			case *ast.AssignStmt: // title, text = "…", "…" before one writePage
				for i, lhs := range n.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && (id.Name == "title" || id.Name == "text") && i < len(n.Rhs) {
						literal(n.Rhs[i])
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) < 30 {
		t.Fatalf("found only %d texts of message pages; is the walk looking at the right place?", len(texts))
	}
	for english, where := range texts {
		if _, ok := japanese[english]; !ok {
			t.Errorf("%s: %q has no Japanese", where, english)
		}
	}
}
