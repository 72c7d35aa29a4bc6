package oauth2_test

import (
	"testing"

	"github.com/qexcompanion/qex-companion/internal/sandbox/sandboxtest"
)

// The sign-in page speaks the browser's language (Accept-Language).
func TestLoginPageFollowsAcceptLanguage(t *testing.T) {
	sandboxtest.PageFollowsAcceptLanguage(t, start(t).loginURL(nil), sandboxtest.Phrases{
		Japanese: []string{"Liquidアカウントの利用を許可しますか？", "次のスコープが与えられます", ">承認</button>"},
		English:  []string{"to use your Liquid account?", "gets these scopes", ">Approve</button>"},
	})
}
