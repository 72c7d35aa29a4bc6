package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// chooseLiquid picks the Liquid exchange provider, as a user would.
func chooseLiquid(t *testing.T, r *rig) {
	t.Helper()
	r.m.connect.provider.SetSelected("Liquid exchange OAuth request")
	if got := r.m.connect.form().entries["token-id"].Text; got != "3141592" {
		t.Errorf("the sandbox's token id is not filled in: %q", got)
	}
	if r.m.stepLabel.Text != "Step 1 of 3 · Connect" {
		t.Errorf("step label %q", r.m.stepLabel.Text)
	}
}

func TestLiquidApproveShowsProfileAndBalances(t *testing.T) {
	r := newRig(t)
	chooseLiquid(t, r)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	if !strings.Contains(r.m.approve.url, "/liquid/oauth?ref=") {
		t.Errorf("approval link %q is not the request's app_challenge_href", r.m.approve.url)
	}
	r.user.answer(t, "approve")
	r.waitStep("Profile and balances")
	if r.m.stepLabel.Text != "Step 3 of 3 · Profile and balances" {
		t.Errorf("step label %q", r.m.stepLabel.Text)
	}
	for _, fact := range []string{"花子 山田", "hanako.yamada@sandbox.liquid.test", "JP"} {
		find(t, r.m.balances.body, "profile fact "+fact, func(l *widget.Label) bool { return l.Text == fact })
	}
	found := false
	for row := range r.m.balances.shown {
		if strings.TrimSpace(tableCell(r.m.balances, row, colBalance)) == "0.00726" {
			found = true
		}
	}
	if !found {
		t.Error("the USD balance 0.00726 is not in the table")
	}
	if r.m.balances.next.Visible() {
		t.Error("a result without a widget offers the widget configuration")
	}

	// Sign out: forgotten here; the service has no call to end it.
	test.Tap(findButton(t, r.m.balances.body, "Sign out"))
	confirm(t, r, "Sign out")
	r.ui.waitFor(t, "the sign-out notice", r.m.connect.infoL.Visible)
	if !strings.HasPrefix(r.m.connect.infoL.Text, "Signed out here; this provider has no way to end a session from the app") {
		t.Errorf("after sign-out: %q", r.m.connect.infoL.Text)
	}
}

func TestLiquidDenialThenRetry(t *testing.T) {
	r := newRig(t)
	chooseLiquid(t, r)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "deny")
	a := r.m.approve
	r.ui.waitFor(t, "the denial", a.retryBtn.Visible)
	if !strings.HasPrefix(a.errLabel.Text, "The OAuth request was denied on Liquid") {
		t.Errorf("message %q", a.errLabel.Text)
	}
	test.Tap(a.retryBtn)
	r.ui.waitFor(t, "a new approval link", func() bool { return a.url != "" && !a.retryBtn.Visible() })
	r.user.answer(t, "approve")
	r.waitStep("Profile and balances")
}

// A secret typed in the window is kept in the keychain when the user asks,
// and fills the field at the next launch; unchecking forgets it.
func TestRememberTheTokenSecretInTheKeychain(t *testing.T) {
	backend := testkeyring.NewMemory()
	withSecrets := func(e *flows.EngineConfig, _ *Options) { e.Secrets = keychain.New(backend) }
	r := newRig(t, withSecrets)
	chooseLiquid(t, r)
	f := r.m.connect.form()
	secret := r.sb.Inputs("liquid")["token-secret"]
	setText(f.entries["token-secret"], secret)
	test.Tap(f.remember)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.ui.waitFor(t, "the secret in the keychain", func() bool {
		v, err := backend.Get(keychain.Service, "input liquid token-secret")
		return err == nil && v == secret
	})
	r.user.answer(t, "approve")
	r.waitStep("Profile and balances")

	again := newRig(t, withSecrets)
	chooseLiquid(t, again)
	g := again.m.connect.form()
	again.ui.waitFor(t, "the remembered secret", func() bool { return g.entries["token-secret"].Text == secret && g.remember.Checked })
	test.Tap(g.remember) // the user changes their mind
	test.Tap(again.m.connect.button)
	again.ui.waitFor(t, "the secret gone from the keychain", func() bool {
		_, err := backend.Get(keychain.Service, "input liquid token-secret")
		return err != nil
	})
}
