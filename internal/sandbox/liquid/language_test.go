package liquid

import (
	"testing"

	"github.com/qexcompanion/qex-companion/internal/sandbox/sandboxtest"
)

// The consent page speaks the browser's language (Accept-Language).
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	sandboxtest.PageFollowsAcceptLanguage(t, start(t).create().AppHref, sandboxtest.Phrases{
		Japanese: []string{"QEX CompanionにLiquidアカウントの利用を許可しますか？"},
		English:  []string{"Allow QEX Companion to use your Liquid account?"},
	})
}
