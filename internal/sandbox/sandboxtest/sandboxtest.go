// Package sandboxtest holds the checks every emulator of the sandbox
// shares, so a new emulator gets them by calling one function.
package sandboxtest

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// Phrases are what a page says in each of the app's languages: text only
// that language's page holds (a heading, a button's markup).
type Phrases struct {
	Japanese, English []string
}

// browsers are the Accept-Language headers a page is loaded with, and the
// language each must get: the one the browser ranks highest of the two
// the sandbox speaks, English when it names neither.
var browsers = []struct{ accept, lang string }{
	{"ja-JP,ja;q=0.9,en;q=0.8", "ja"},
	{"fr, ja;q=0.5, en;q=0.3", "ja"},
	{"en-GB", "en"},
	{"en;q=0.9, ja;q=0.4", "en"},
	{"de, fr", "en"},
}

// PageFollowsAcceptLanguage loads page as browsers asking for various
// languages would, and fails where the page is not in the language each
// should get: its <html lang>, its own phrases, and none of the other
// language's.
func PageFollowsAcceptLanguage(t testing.TB, page string, say Phrases) {
	t.Helper()
	if len(say.Japanese) == 0 || len(say.English) == 0 {
		t.Fatal("PageFollowsAcceptLanguage needs phrases of both languages")
	}
	for _, b := range browsers {
		visit, err := testbrowser.GetIn(context.Background(), page, b.accept)
		if err != nil {
			t.Fatalf("Accept-Language %s: %v", b.accept, err)
		}
		want, not := say.English, say.Japanese
		if b.lang == "ja" {
			want, not = not, want
		}
		for _, w := range append([]string{`<html lang="` + b.lang + `">`}, want...) {
			if !strings.Contains(visit.Body, w) {
				t.Errorf("Accept-Language %s: the page lacks %q", b.accept, w)
			}
		}
		for _, n := range not {
			if strings.Contains(visit.Body, n) {
				t.Errorf("Accept-Language %s: the page says %q, in the other language", b.accept, n)
			}
		}
	}
}
