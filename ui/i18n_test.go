package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// windowStrings are the English keys the window passes to lang.L as
// literals, by file.
func windowStrings(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "L" {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lang" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				key, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				keys[key] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	return keys
}

var templateField = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func templateFields(s string) []string {
	var names []string
	for _, m := range templateField.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Every string the window shows has a Japanese translation that fills in
// the same values: a new English string without one fails here, not in front
// of a Japanese user.
func TestEveryWindowStringHasAJapaneseTranslation(t *testing.T) {
	data, err := os.ReadFile("translations/ja.json")
	if err != nil {
		t.Fatal(err)
	}
	var ja map[string]any
	if err := json.Unmarshal(data, &ja); err != nil {
		t.Fatalf("translations/ja.json: %v", err)
	}
	keys := windowStrings(t)
	if len(keys) < 50 {
		t.Fatalf("found only %d strings passed to lang.L; is the parser looking at the right files?", len(keys))
	}
	for _, c := range []string{choiceLoopback, choiceDeepLink, choiceNone, choiceSandbox, choiceProduction, choiceCustom} {
		keys[c] = "connect.go (a picker's option)"
	}
	for _, s := range scenario.All {
		keys[s.Summary] = "scenario.go (a sandbox scenario's summary)"
	}
	for key, where := range keys {
		text, ok := ja[key].(string)
		if !ok {
			t.Errorf("%s: %q has no Japanese translation in translations/ja.json", where, key)
			continue
		}
		if got, want := templateFields(text), templateFields(key); !slices.Equal(got, want) {
			t.Errorf("%s: the translation of %q fills in %v, the English %v", where, key, got, want)
		}
	}
}

// useJapanese switches the window's language to Japanese for one test.
// The locale variables are as they were: what the app starts (the
// browser) keeps the user's own.
func useJapanese(t *testing.T) {
	t.Helper()
	t.Setenv("LANGUAGE", "")
	os.Unsetenv("LANGUAGE")
	lcAll := os.Getenv("LC_ALL")
	if err := UseLanguage("ja"); err != nil {
		t.Fatal(err)
	}
	if _, set := os.LookupEnv("LANGUAGE"); set || os.Getenv("LC_ALL") != lcAll {
		t.Errorf("UseLanguage changed the locale variables for what the app starts: LANGUAGE=%q LC_ALL=%q", os.Getenv("LANGUAGE"), os.Getenv("LC_ALL"))
	}
	t.Cleanup(func() {
		if err := UseLanguage("en"); err != nil {
			t.Error(err)
		}
	})
	if CurrentLanguage() != "ja" {
		t.Fatalf("UseLanguage(ja) left the window speaking %q", CurrentLanguage())
	}
}

// visibleTexts is every label, button and tab text on the window.
func visibleTexts(w fyne.Window) []string {
	var texts []string
	walk(w.Content(), func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Label:
			texts = append(texts, o.Text)
		case *widget.Button:
			texts = append(texts, o.Text)
		}
	})
	return texts
}

// Fyne logs each string it has no translation for: the whole QEX flow, the
// widget configuration and the editor in Japanese must log none.
func TestJapaneseWindowFromConnectToBalances(t *testing.T) {
	useJapanese(t)
	var logged strings.Builder
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	r := newRig(t)
	texts := visibleTexts(r.m.win)
	for _, want := range []string{"Liquidで接続", "プロバイダー", "環境", "ブラウザーからの戻り方", "サンドボックスの組み込み値を使う", "ステップ 1/4 · 接続"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the Japanese Connect step has no %q; it shows %q", want, texts)
		}
	}
	if got := r.m.tabs.Items[0].Text; got != "接続" {
		t.Errorf("the first tab is %q, want 接続", got)
	}
	if got := r.m.connect.env.Selected; got != "サンドボックス" {
		t.Errorf("the environment picker shows %q, want サンドボックス", got)
	}
	if r.m.connect.target().Env != "sandbox" {
		t.Errorf("the Japanese picker's サンドボックス means %q, want sandbox", r.m.connect.target().Env)
	}

	test.Tap(findButton(t, r.m.win.Content(), "Liquidで接続"))
	r.ui.waitFor(t, "the Japanese Approve step", func() bool { return r.m.stepLabel.Text == "ステップ 2/4 · 承認" })
	if !slices.Contains(visibleTexts(r.m.win), "承認を待っています…") {
		t.Errorf("the Approve step does not say it waits in Japanese: %q", visibleTexts(r.m.win))
	}
	r.user.answer(t, "approve")
	r.ui.waitFor(t, "the balances", func() bool { return r.m.stepLabel.Text == "ステップ 3/4 · 残高" })
	test.Tap(findButton(t, r.m.win.Content(), "ウィジェット設定 →"))
	if r.m.stepLabel.Text != "ステップ 4/4 · ウィジェット設定" {
		t.Errorf("after ウィジェット設定 → the step is %q", r.m.stepLabel.Text)
	}
	r.m.tabs.SelectIndex(1)
	if !slices.Contains(visibleTexts(r.m.win), "ウィジェットを開く") {
		t.Errorf("the widget editor is not in Japanese: %q", visibleTexts(r.m.win))
	}
	if strings.Contains(logged.String(), "Translation failure") {
		t.Errorf("strings without a Japanese translation:\n%s", logged.String())
	}
}

func TestDatesFollowTheLanguage(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	thisYear := time.Date(2026, 3, 7, 14, 5, 0, 0, time.UTC)
	lastYear := time.Date(2025, 11, 30, 8, 30, 0, 0, time.UTC)
	if got := formatDay(thisYear, now); got != "7 Mar 14:05" {
		t.Errorf("English, this year: %q", got)
	}
	if got := formatDay(lastYear, now); got != "30 Nov 2025 08:30" {
		t.Errorf("English, last year: %q", got)
	}
	// A result's moment (a token's expiry) is written by the window too.
	expiry := flows.Fact{Label: "Expires", Value: "as the terminal writes it", At: thisYear}
	if got, want := factText(expiry), thisYear.Local().Format("2 Jan 2006 15:04:05 MST"); got != want {
		t.Errorf("English, a moment: %q, want %q", got, want)
	}
	useJapanese(t)
	if got, want := factText(expiry), thisYear.Local().Format("2006年1月2日 15:04:05 MST"); got != want {
		t.Errorf("Japanese, a moment: %q, want %q", got, want)
	}
	if got := formatDay(thisYear, now); got != "3月7日 14:05" {
		t.Errorf("Japanese, this year: %q", got)
	}
	if got := formatDay(lastYear, now); got != "2025年11月30日 08:30" {
		t.Errorf("Japanese, last year: %q", got)
	}
}

// Choosing a language keeps it for the next launch and says so.
func TestLanguagePickerKeepsTheChoice(t *testing.T) {
	saved := make(chan string, 1)
	r := newRig(t, func(_ *flows.EngineConfig, o *Options) {
		o.SetLanguage = func(code string) error { saved <- code; return nil }
	})
	picker := find(t, r.m.win.Content(), "the language picker", func(s *widget.Select) bool { return slices.Contains(s.Options, "日本語") })
	if picker.Selected != "Follow the system" {
		t.Errorf("the picker starts at %q, want Follow the system", picker.Selected)
	}
	picker.SetSelected("日本語")
	select {
	case code := <-saved:
		if code != "ja" {
			t.Errorf("choosing 日本語 saved %q", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("choosing 日本語 saved nothing")
	}
	want := "QEX Companion speaks 日本語 from its next launch."
	r.ui.waitFor(t, "the note on the next launch", func() bool { return slices.Contains(visibleTexts(r.m.win), want) })
}

// A result's facts that are the app's own words (yes, no, a grant's name)
// are in Japanese too, in the facts and in the profile's title; the
// server's text stays as sent.
func TestTheAppsOwnWordsInAResultAreJapanese(t *testing.T) {
	useJapanese(t)
	var logged strings.Builder
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	r := newRig(t)
	r.m.connect.provider.SetSelected("Liquid OAuth 2.0サービス")
	test.Tap(r.m.connect.button)
	r.waitStep("承認")
	r.user.answer(t, "approve")
	r.waitStep("アクセス")
	var texts []string
	walk(r.m.balances.body, func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Label:
			texts = append(texts, o.Text)
		case *widget.Accordion:
			for _, item := range o.Items {
				texts = append(texts, item.Title)
			}
		}
	})
	for _, want := range []string{"認可コード（PKCE）", "はい", "プロフィール · 認可コード（PKCE）", "hanako_yamada"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the Japanese result has no %q; it shows %q", want, texts)
		}
	}
	for _, english := range []string{"yes", "authorization code (PKCE)"} {
		if slices.Contains(texts, english) {
			t.Errorf("the Japanese result still shows %q", english)
		}
	}
	if strings.Contains(logged.String(), "Translation failure") {
		t.Errorf("strings without a Japanese translation:\n%s", logged.String())
	}
}
