package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

const mask = "••••••••••••"

// A token provider's result: the token masked until Reveal, a countdown,
// Refresh token now that shows a new token; then the console sends
// requests with it.
func TestTokenResultAndConsole(t *testing.T) {
	r := newRig(t)
	r.m.connect.provider.SetSelected("LiquidCommerce API")
	if r.m.stepLabel.Text != "Step 1 of 3 · Connect" || r.m.connect.form().remember == nil {
		t.Errorf("step %q; the API key can be remembered: %v", r.m.stepLabel.Text, r.m.connect.form().remember != nil)
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Access")
	b := r.m.balances
	// A lifetime of a day reads in hours and minutes, not Go's "23h59m59s".
	if !b.token.Visible() || !regexp.MustCompile(`^The access token expires in (24 h|23 h 59 min) \(at \d\d:\d\d:\d\d\)\.$`).MatchString(b.expiry.Text) {
		t.Errorf("countdown %q (visible %v)", b.expiry.Text, b.token.Visible())
	}
	// The profile's title says the token's type in words.
	if title := b.profile.Items[0].Title; title != "Profile · access token" {
		t.Errorf("the profile's title is %q", title)
	}
	if b.listing.Visible() {
		t.Error("a result without balances shows the balances table")
	}
	masked := find(t, b.body, "the masked token", func(l *widget.Label) bool { return l.Text == mask })
	test.Tap(findButton(t, b.body, "Reveal"))
	token := masked.Text
	if token == mask || !strings.HasPrefix(token, "lcat_") {
		t.Fatalf("Reveal shows %q", token)
	}
	test.Tap(findButton(t, b.body, "Refresh token now"))
	r.ui.waitFor(t, "a new token", func() bool {
		revealed := false
		walk(b.body, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Text == mask {
				revealed = true
			}
		})
		return revealed && b.refresh.Text == "Refresh"
	})
	test.Tap(findButton(t, b.body, "Reveal"))
	newToken := find(t, b.body, "the new token", func(l *widget.Label) bool { return strings.HasPrefix(l.Text, "lcat_") }).Text
	if newToken == token {
		t.Error("Refresh token now showed the same token")
	}

	c := r.m.console
	selectTab(t, r.m, "Console")
	setText(c.path, "/catalog/search?q=gin")
	test.Tap(c.send)
	r.ui.waitFor(t, "the answer", func() bool { return len(c.past) == 1 })
	if !strings.Contains(c.status.Text, "GET /catalog/search?q=gin → 200") || !strings.Contains(c.response.Text, `"requestId"`) {
		t.Errorf("status %q, response %q", c.status.Text, c.response.Text)
	}
	setText(c.path, "/no/such/path")
	pressEnter(c.path)
	r.ui.waitFor(t, "the second answer", func() bool { return len(c.past) == 2 })
	if !strings.Contains(c.status.Text, "→ 404") || c.history.Length() != 2 {
		t.Errorf("status %q, %d in history", c.status.Text, c.history.Length())
	}
	if strings.Contains(c.response.Text, newToken) {
		t.Error("the console shows the access token")
	}
}

// The OAuth 2.0 code flow in the window: PKCE approval in the browser,
// back on the loopback receiver, then the introspected user.
func TestOAuth2CodeFlowInTheWindow(t *testing.T) {
	r := newRig(t)
	r.m.connect.provider.SetSelected("Liquid OAuth 2.0 service")
	f := r.m.connect.form()
	if f.entries["client-id"].Text != "qex-companion" || f.choices["grant"].Selected != "code" {
		t.Errorf("client id %q, grant %q", f.entries["client-id"].Text, f.choices["grant"].Selected)
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	if !strings.Contains(r.m.approve.url, "/oauth2/login?") || !strings.Contains(r.m.approve.url, "code_challenge_method=S256") {
		t.Errorf("approval link %q", r.m.approve.url)
	}
	r.user.answer(t, "approve")
	r.waitStep("Access")
	for _, fact := range []string{"hanako_yamada", "delegated:all"} {
		find(t, r.m.balances.body, "fact "+fact, func(l *widget.Label) bool { return l.Text == fact })
	}
}

// EXchange in the window: approval through the sandbox's token broker,
// then the member and the balances; sign out revokes the grant.
func TestExchangeInTheWindow(t *testing.T) {
	r := newRig(t)
	r.m.connect.provider.SetSelected("EXchange (through a token broker)")
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	if !strings.Contains(r.m.approve.url, "/exchange/oauth/authorize?client_id=") || strings.Contains(r.m.approve.url, "secret") {
		t.Errorf("approval link %q", r.m.approve.url)
	}
	r.user.answer(t, "approve")
	r.waitStep("Profile and balances")
	find(t, r.m.balances.body, "the member's name", func(l *widget.Label) bool { return l.Text == "Kenji Watanabe" })
	// EXchange's accounts have no symbol and no type: no empty columns.
	var headers []string
	walk(r.m.balances.table, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text != "" {
			headers = append(headers, b.Text)
		}
	})
	if !slices.Equal(headers, []string{"Currency", "Balance", "Reserved"}) {
		t.Errorf("the balances table's columns are %q", headers)
	}
	if got := r.m.balances.filter.PlaceHolder; got != "Filter by currency" {
		t.Errorf("the filter offers %q, naming what EXchange does not send", got)
	}
	selectTab(t, r.m, "Console")
	// The provider's title has its own parentheses: none around it.
	if want := "Connected to EXchange (through a token broker): requests go out with the session's own authentication."; r.m.console.status.Text != want {
		t.Errorf("the console says %q, want %q", r.m.console.status.Text, want)
	}
	test.Tap(findButton(t, r.m.balances.body, "Sign out"))
	confirm(t, r, "Sign out")
	r.ui.waitFor(t, "the sign-out notice", r.m.connect.infoL.Visible)
	if r.m.connect.infoL.Text != "Signed out: the session was ended on the server and forgotten here." {
		t.Errorf("after sign-out: %q", r.m.connect.infoL.Text)
	}
}

// Countdowns read as people say durations, in both languages.
func TestDurationsReadAsPeopleSayThem(t *testing.T) {
	cases := []struct {
		d      time.Duration
		en, ja string
	}{
		{24 * time.Hour, "24 h", "24時間"},
		{24*time.Hour - time.Second, "23 h 59 min", "23時間59分"},
		{4*time.Minute + 5*time.Second, "4 min 5 s", "4分5秒"},
		{time.Hour + 30*time.Second, "1 h", "1時間"},
		{59*time.Second + 600*time.Millisecond, "59 s", "59秒"},
	}
	for _, c := range cases {
		if got := sayDuration(c.d); got != c.en {
			t.Errorf("%v reads %q, want %q", c.d, got, c.en)
		}
	}
	useJapanese(t)
	for _, c := range cases {
		if got := sayDuration(c.d); got != c.ja {
			t.Errorf("%v reads %q in Japanese, want %q", c.d, got, c.ja)
		}
	}
}
