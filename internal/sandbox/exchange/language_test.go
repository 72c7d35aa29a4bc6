package exchange_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// The sign-in page speaks the browser's language (Accept-Language).
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	e := start(t)
	for accept, want := range map[string][]string{
		"ja,en;q=0.5": {`<html lang="ja">`, "EXchangeアカウントの利用を許可しますか？", "プロフィールと残高を読む", ">許可</button>"},
		"en":          {`<html lang="en">`, "to use your EXchange account?", "read your profile and balances", ">Authorize</button>"},
	} {
		visit, err := testbrowser.GetIn(context.Background(), e.authorizeURL(nil), accept)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(visit.Body, w) {
				t.Errorf("Accept-Language %s: the page lacks %q", accept, w)
			}
		}
	}
}
