package exchange_test

import (
	"testing"

	"github.com/qexcompanion/qex-companion/internal/sandbox/sandboxtest"
)

// The sign-in page speaks the browser's language (Accept-Language).
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	sandboxtest.PageFollowsAcceptLanguage(t, start(t).authorizeURL(nil), sandboxtest.Phrases{
		Japanese: []string{"EXchangeアカウントの利用を許可しますか？", "プロフィールと残高を読む", ">許可</button>"},
		English:  []string{"to use your EXchange account?", "read your profile and balances", ">Authorize</button>"},
	})
}
