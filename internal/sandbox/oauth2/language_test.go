package oauth2_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// The sign-in page speaks the browser's language (Accept-Language).
func TestLoginPageFollowsAcceptLanguage(t *testing.T) {
	s := start(t)
	for accept, want := range map[string][]string{
		"ja-JP":  {`<html lang="ja">`, "Liquidアカウントの利用を許可しますか？", "次のスコープが与えられます", ">承認</button>"},
		"en-US":  {`<html lang="en">`, "to use your Liquid account?", "gets these scopes", ">Approve</button>"},
		"de, fr": {`<html lang="en">`, ">Approve</button>"},
	} {
		visit, err := testbrowser.GetIn(context.Background(), s.loginURL(nil), accept)
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
