package liquid

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The consent page speaks the browser's language (Accept-Language).
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	h := start(t)
	c := h.create()
	for accept, want := range map[string]string{
		"ja,en;q=0.5": "QEX CompanionにLiquidアカウントの利用を許可しますか？",
		"en-GB":       "Allow QEX Companion to use your Liquid account?",
	} {
		req, _ := http.NewRequest(http.MethodGet, c.AppHref, nil)
		req.Header.Set("Accept-Language", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), want) {
			t.Errorf("Accept-Language %s: the page lacks %q:\n%s", accept, want, body)
		}
	}
}
