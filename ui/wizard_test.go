package ui

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.`)

func TestWizardEndToEndOnSandbox(t *testing.T) {
	// Slow polling: the browser's return is what moves this flow on.
	r := newRig(t, func(e *flows.EngineConfig, _ *Options) { e.PollMin, e.PollMax = time.Minute, time.Minute })
	m := r.m

	// Connect: title, badge, prefilled sandbox key.
	if m.Window().Title() != "QEX Companion" || m.badge.Text() != "SANDBOX" || m.connect.env.Selected != "Sandbox" ||
		r.key().Text != qexsandbox.DefaultPublicAPIKey || m.stepLabel.Text != "Step 1 of 4 · Connect" {
		t.Fatalf("connect step: title %q badge %q env %q key %q step %q", m.Window().Title(), m.badge.Text(), m.connect.env.Selected, r.key().Text, m.stepLabel.Text)
	}

	// A bad key is refused before anything is sent.
	setText(r.key(), "sk_live_oops")
	test.Tap(m.connect.button)
	if !m.connect.errLabel.Visible() || m.connect.errLabel.Text != "This is a secret key (sk_…), not the public one: give the public key (pk_…) and keep the secret key private" {
		t.Errorf("bad key error: %q visible=%v", m.connect.errLabel.Text, m.connect.errLabel.Visible())
	}
	if len(m.inspector.exchanges) != 0 {
		t.Errorf("a bad key was sent: %d exchanges", len(m.inspector.exchanges))
	}

	// Enter in the key field connects.
	setText(r.key(), qexsandbox.DefaultPublicAPIKey)
	pressEnter(r.key())
	r.waitStep("Approve")

	a := m.approve
	if a.heading.Text != "Approve in your browser" || !strings.Contains(a.urlLabel.Text, "/liquid_oauth?preferred_action=follow_href&return_url=") ||
		a.qrBox.Visible() || !a.qrNote.Visible() || a.elapsed.Text != "0:00" || !a.checkBtn.Visible() || a.retryBtn.Visible() {
		t.Errorf("approve step: heading %q url %q qr %v (the sandbox's loopback link gets none) elapsed %q", a.heading.Text, a.urlLabel.Text, a.qrBox.Visible(), a.elapsed.Text)
	}
	if a.statusL.Text != "Waiting for your approval…" {
		t.Errorf("status %q", a.statusL.Text)
	}
	test.Tap(findButton(t, a.body, "Copy link"))
	if got := r.app.Clipboard().Content(); got != a.urlLabel.Text {
		t.Errorf("copied %q, want the approval URL", got)
	}
	if m.badge.Text() != "SANDBOX" {
		t.Error("the environment badge is gone on the Approve step")
	}

	// The user approves in the browser; the app moves on by itself.
	r.user.answer(t, "approve")
	r.waitStep("Balances")

	b := m.balances
	if len(b.shown) != 11 || b.shown[0].Currency != "BTC" || b.shown[0].Symbol != "₿" {
		t.Fatalf("balances: %d rows, first %+v", len(b.shown), b.shown[0])
	}
	if b.balance[1] != "      12.345678901234567891" || b.balance[0] != "       0.06"+strings.Repeat(" ", 16) {
		t.Errorf("balances not aligned on the point: %q / %q", b.balance[0], b.balance[1])
	}
	if cell := tableCell(b, 1, colBalance); strings.TrimSpace(cell) != "12.345678901234567891" {
		t.Errorf("table cell (ETH, balance) = %q", cell)
	}
	if !regexp.MustCompile(`^Updated \d\d:\d\d:\d\d$`).MatchString(b.updated.Text) || b.count.Text != "11 of 11 accounts" {
		t.Errorf("updated %q count %q", b.updated.Text, b.count.Text)
	}
	test.Type(b.filter, "fiat")
	if b.count.Text != "5 of 11 accounts" || b.shown[0].Currency != "USD" {
		t.Errorf("filter fiat: %q, first %+v", b.count.Text, b.shown[0])
	}
	test.Tap(b.hideZero)
	if b.count.Text != "4 of 11 accounts" {
		t.Errorf("hide zero: %q", b.count.Text)
	}
	setText(b.filter, "")
	test.Tap(b.hideZero)

	// Refresh fetches again, in the background.
	before := len(m.inspector.exchanges)
	test.Tap(b.refresh)
	if b.refresh.Text != "Refreshing…" || !b.refresh.Disabled() {
		t.Errorf("refresh button while refreshing: %q disabled=%v", b.refresh.Text, b.refresh.Disabled())
	}
	r.ui.waitFor(t, "the refresh", func() bool { return !b.refresh.Disabled() })
	if len(m.inspector.exchanges) != before+1 || b.errLabel.Visible() {
		t.Errorf("refresh: %d new exchanges, error %q", len(m.inspector.exchanges)-before, b.errLabel.Text)
	}

	// Widget configuration: masked, revealed, copied.
	test.Tap(findButton(t, b.body, "Widget configuration →"))
	r.waitStep("Widget configuration")
	c := m.config
	if !strings.Contains(c.json.Text, widgetcfg.Mask) || !strings.Contains(c.json.Text, `"config_version": "1.2"`) {
		t.Errorf("masked JSON:\n%s", c.json.Text)
	}
	test.Tap(findButton(t, c.body, "Copy"))
	copied := r.app.Clipboard().Content()
	var cfg widgetcfg.Config
	if err := json.Unmarshal([]byte(copied), &cfg); err != nil || cfg.Identity.UserSession.SessionSecret == "" || cfg.Identity.UserSession.SessionSecret == widgetcfg.Mask {
		t.Fatalf("clipboard %q: %v", copied, err)
	}
	secret := cfg.Identity.UserSession.SessionSecret
	if strings.Contains(c.json.Text, secret) {
		t.Error("the secret shows before Reveal")
	}
	if !strings.Contains(c.notice.Text, "contains the session secret") {
		t.Errorf("no warning after Copy: %q", c.notice.Text)
	}
	test.Tap(c.reveal)
	if c.json.Text != copied || c.reveal.Text != "Hide secret" {
		t.Errorf("revealed JSON differs from what was copied:\n%s", c.json.Text)
	}
	test.Tap(c.reveal)
	if strings.Contains(c.json.Text, secret) {
		t.Error("Hide left the secret on screen")
	}

	// Inspector: every exchange listed, nothing secret in it.
	var lines []string
	for _, ex := range m.inspector.exchanges {
		lines = append(lines, exchangeLine(ex))
		for _, text := range []string{exchangeLine(ex), exchangeDetails(ex)} {
			if strings.Contains(text, secret) || jwtLike.MatchString(text) {
				t.Errorf("the inspector shows a secret or JWT:\n%s", text)
			}
		}
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"POST 200", "GET  200"} {
		if !strings.Contains(joined, want) {
			t.Errorf("inspector lacks %q:\n%s", want, joined)
		}
	}
	createDetails := exchangeDetails(m.inspector.exchanges[0])
	if !strings.Contains(createDetails, `"session_secret": "[redacted]"`) || !strings.Contains(createDetails, `"public_api_key"`) {
		t.Errorf("create-session details:\n%s", createDetails)
	}
	for _, e := range m.inspector.events {
		if strings.Contains(e.text, secret) || jwtLike.MatchString(e.text) {
			t.Errorf("event log line holds a secret: %s", e.text)
		}
	}
	if m.inspector.httpTab.Text != "HTTP ("+itoa(len(m.inspector.exchanges))+")" {
		t.Errorf("HTTP tab title %q", m.inspector.httpTab.Text)
	}
}

func TestCheckNowButton(t *testing.T) {
	r := newRig(t, func(e *flows.EngineConfig, _ *Options) {
		e.Receiver = nil                                  // no redirect comes back
		e.PollMin, e.PollMax = 1<<62, 1<<62               // and polling would take forever
		e.OpenBrowser = func(string) error { return nil } // the user approves on their phone
	})
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	url := r.m.approve.url
	r.user.urls <- url
	r.user.answer(t, "approve")
	test.Tap(r.m.approve.checkBtn)
	r.waitStep("Balances")
}
