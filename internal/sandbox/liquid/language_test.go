package liquid

import (
	"context"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// The consent page speaks the browser's language (Accept-Language).
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	h := start(t)
	c := h.create()
	for accept, want := range map[string]string{
		"ja,en;q=0.5": "QEX CompanionにLiquidアカウントの利用を許可しますか？",
		"en-GB":       "Allow QEX Companion to use your Liquid account?",
	} {
		visit, err := testbrowser.GetIn(context.Background(), c.AppHref, accept)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(visit.Body, want) {
			t.Errorf("Accept-Language %s: the page lacks %q:\n%s", accept, want, visit.Body)
		}
	}
}
