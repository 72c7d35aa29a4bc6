package sandbox_test

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qexcompanion/qex-companion/internal/chromium"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// The sandbox's pages for people that say something went wrong (a
// session or request that does not exist, an unknown application) and its
// index speak the browser's language, as its consent pages do: a real
// Chromium set to Japanese reads them in Japanese, with no English
// sentence left; set to English, it reads the same pages in English.
func TestMessagePagesFollowTheBrowsersLanguage(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	pages := []struct {
		path        string
		english, ja string // a fragment of each language's page
	}{
		{"/", "It emulates", "サンドボックスです"},
		{"/api/v1/session/no-such-session/liquid_oauth?preferred_action=follow_href", "Session not found", "セッションが見つかりません"},
		{"/liquid/oauth?ref=no-such-request", "This approval link is not valid", "この承認リンクは無効です"},
		{"/oauth2/login?client_id=no-such-app", "names no registered application", "登録されたアプリケーションを指していません"},
		{"/exchange/oauth/authorize?client_id=no-such-app", "names no registered application", "登録されたアプリケーションを指していません"},
	}
	for _, browser := range []struct{ languages, lang string }{{"ja,en;q=0.8", "ja"}, {"en-US", "en"}} {
		ctx := chromium.NewContextIn(t, 90*time.Second, browser.languages)
		for _, p := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(sb.URL+p.path)); err != nil {
				t.Fatalf("%s: %v", p.path, err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text("body"))
			if err != nil {
				t.Fatalf("%s: %v", p.path, err)
			}
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil {
				t.Fatalf("%s: %v", p.path, err)
			}
			want := p.english
			if browser.lang == "ja" {
				want = p.ja
				if english := untranslated.Find(text); english != "" {
					t.Errorf("%s in Japanese still says %q:\n%s", p.path, english, text)
				}
			}
			if !strings.Contains(text, want) || lang != browser.lang {
				t.Errorf("%s for a browser in %s: lang %q, lacks %q:\n%s", p.path, browser.languages, lang, want, text)
			}
		}
	}
}

// perRequest are the parts of an error body that differ on every request.
var perRequest = regexp.MustCompile(`"(requestId|timestamp)":("[^"]*"|\d+)`)

// What the APIs answer is for programs: an error body is exactly what the
// provider documents say, whatever language the caller's Accept-Language
// names.
func TestAPIErrorBodiesStayAsDocumented(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for _, call := range []struct{ method, path string }{
		{"GET", "/api/v1/session/no-such-session"},
		{"POST", "/api/v1/session"},
		{"GET", "/liquid/user/context"},
		{"POST", "/oauth2/oauth/token"},
		{"GET", "/oauth2/api/me"},
		{"POST", "/liquidcommerce/authentication"},
		{"GET", "/exchange/oauth/token"},
		{"GET", "/exchange/api/v2/members/me"},
	} {
		var bodies [2][]byte
		for i, languages := range []string{"ja,en;q=0.5", "en"} {
			req, err := http.NewRequest(call.method, sb.URL+call.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", languages)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			bodies[i], _ = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			if resp.StatusCode < 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s %s: HTTP %d, %s: not an API error", call.method, call.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		if !bytes.Equal(perRequest.ReplaceAll(bodies[0], nil), perRequest.ReplaceAll(bodies[1], nil)) {
			t.Errorf("%s %s: in Japanese %s\nin English %s", call.method, call.path, bodies[0], bodies[1])
		}
	}
}
