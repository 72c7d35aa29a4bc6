package qex_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// The approval page speaks the language the browser asks for, as the real
// one did: Japanese for a Japanese browser, English otherwise.
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	h := start(t)
	c := h.create()
	page := h.srv.URL + "/api/v1/session/" + c.SessionID + "/liquid_oauth?preferred_action=follow_href"
	for _, tc := range []struct {
		accept    string
		want, not []string
	}{
		{"ja-JP,ja;q=0.9,en;q=0.8", []string{`<html lang="ja">`, "Liquidアカウントを接続", ">承認</button>", ">拒否</button>", "利用規約"}, []string{"Connect your Liquid account", ">Approve<"}},
		{"en-US,en;q=0.9", []string{`<html lang="en">`, "Connect your Liquid account", ">Approve</button>", ">Deny</button>"}, []string{"承認"}},
	} {
		visit, err := testbrowser.GetIn(context.Background(), page, tc.accept)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.want {
			if !strings.Contains(visit.Body, want) {
				t.Errorf("Accept-Language %s: the page lacks %q", tc.accept, want)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(visit.Body, not) {
				t.Errorf("Accept-Language %s: the page says %q", tc.accept, not)
			}
		}
	}
}
