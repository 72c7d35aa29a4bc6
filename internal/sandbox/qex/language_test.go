package qex_test

import (
	"testing"

	"github.com/qexcompanion/qex-companion/internal/sandbox/sandboxtest"
)

// The approval page speaks the language the browser asks for, as the real
// one did: Japanese for a Japanese browser, English otherwise.
func TestConsentPageFollowsAcceptLanguage(t *testing.T) {
	h := start(t)
	sandboxtest.PageFollowsAcceptLanguage(t, h.srv.URL+"/api/v1/session/"+h.create().SessionID+"/liquid_oauth?preferred_action=follow_href", sandboxtest.Phrases{
		Japanese: []string{"Liquidアカウントを接続", ">承認</button>", ">拒否</button>", "利用規約"},
		English:  []string{"Connect your Liquid account", ">Approve</button>", ">Deny</button>"},
	})
}
