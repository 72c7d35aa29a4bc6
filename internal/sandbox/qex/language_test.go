package qex_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The approval page speaks the language the browser asks for, as the real
// one did: Japanese for a Japanese browser, English otherwise.
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	h := start(t)
	c := h.create()
	page := h.srv.URL + "/api/v1/session/" + c.SessionID + "/liquid_oauth?preferred_action=follow_href"
	for _, tc := range []struct {
		accept string
		want   []string
		not    []string
	}{
		{"ja-JP,ja;q=0.9,en;q=0.8", []string{`<html lang="ja">`, "Liquidアカウントを接続", ">承認</button>", ">拒否</button>", "利用規約"}, []string{"Connect your Liquid account", ">Approve<"}},
		{"en-US,en;q=0.9", []string{`<html lang="en">`, "Connect your Liquid account", ">Approve</button>", ">Deny</button>"}, []string{"承認"}},
	} {
		body := fetch(t, page, tc.accept)
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("Accept-Language %s: the page lacks %q", tc.accept, want)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(body, not) {
				t.Errorf("Accept-Language %s: the page says %q", tc.accept, not)
			}
		}
	}
}

// fetch GETs url with an Accept-Language header, as a browser would.
func fetch(t *testing.T, url, acceptLanguage string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", acceptLanguage)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(body)
}
