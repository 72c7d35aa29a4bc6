package msg

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// What flows, the providers, widgetcfg and the app's parts on this
// computer (single instance, keychain, settings, saved sessions, link
// registration, deep links) tell people is the catalogue's: none of them
// builds a sentence with fmt.Errorf, errors.New or fmt.Sprintf. A format
// that adds no words ("%s: %w", "%d") is allowed.
func TestNoSentencesOutsideTheCatalogue(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, root := range []string{"..", "../../widgetcfg", "../../internal/apihttp", "../../internal/instance",
		"../../internal/keychain", "../../internal/settings", "../../internal/sessions", "../../internal/register",
		"../../internal/deeplink"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (path == "." || strings.HasSuffix(path, "testdata")) {
				return filepath.SkipDir // the catalogue itself; test data
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if name, sentence := sentenceBuilt(call); sentence != "" {
						t.Errorf("%s: %s builds the sentence %q: make it a kind of flows/msg", fset.Position(call.Pos()), name, sentence)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 40 {
		t.Fatalf("checked only %d files; is the walk looking at the right place?", checked)
	}
}

// units are formats whose words are units of measure, or a name that is
// data (a keychain entry's), not sentences.
var units = map[string]bool{"%d MiB": true, "%d KiB": true, "%d bytes": true, "%s (part %d)": true}

var (
	verb = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)
	word = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// sentenceBuilt is the words call builds into a message, if it is one of
// the formatting calls and its format has any.
func sentenceBuilt(call *ast.CallExpr) (name, sentence string) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) == 0 {
		return "", ""
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", ""
	}
	name = pkg.Name + "." + sel.Sel.Name
	if name != "fmt.Errorf" && name != "errors.New" && name != "fmt.Sprintf" {
		return "", ""
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return name, "(a format that is not a literal)"
	}
	format, err := strconv.Unquote(lit.Value)
	if err != nil || !word.MatchString(verb.ReplaceAllString(format, "")) || units[format] {
		return "", ""
	}
	return name, format
}
