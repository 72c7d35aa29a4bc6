package sandboxtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/sandbox/sandboxtest"
)

// recorder is a testing.TB that keeps what a check reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

var phrases = sandboxtest.Phrases{Japanese: []string{"承認"}, English: []string{"Approve"}}

func page(t *testing.T, lang func(*http.Request) string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l := lang(r); l == "ja" {
			fmt.Fprint(w, `<html lang="ja"><button>承認</button></html>`)
		} else {
			fmt.Fprint(w, `<html lang="en"><button>Approve</button></html>`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The check passes a page that follows Accept-Language, and fails one that
// always speaks English, or that takes the first language named rather
// than the one ranked highest.
func TestTheCheckTellsAPageThatIgnoresTheBrowser(t *testing.T) {
	sandboxtest.PageFollowsAcceptLanguage(t, page(t, acceptlang.Preferred), phrases)
	for name, lang := range map[string]func(*http.Request) string{
		"always English": func(*http.Request) string { return "en" },
		"the first named": func(r *http.Request) string {
			if strings.HasPrefix(r.Header.Get("Accept-Language"), "ja") {
				return "ja"
			}
			return "en"
		},
	} {
		r := &recorder{TB: t}
		sandboxtest.PageFollowsAcceptLanguage(r, page(t, lang), phrases)
		if len(r.errors) == 0 {
			t.Errorf("a page that takes %s passed", name)
		}
	}
}
