package ui

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
)

// chooseCustom points the Connect step at a custom server.
func chooseCustom(r *rig, base string) {
	r.m.connect.env.SetSelected(choiceCustom)
	setText(r.m.connect.apiBase, base)
	setText(r.key(), "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08")
}

func TestUnreachableServerThenRetry(t *testing.T) {
	r := newRig(t)
	chooseCustom(r, "http://127.0.0.1:1")
	if r.m.badge.Text() != "CUSTOM SERVER" {
		t.Errorf("badge %q", r.m.badge.Text())
	}
	test.Tap(r.m.connect.button)
	r.ui.waitFor(t, "the error", r.m.connect.errLabel.Visible)
	if msg := r.m.connect.errLabel.Text; msg != "Create session failed: nothing answers at 127.0.0.1:1 (connection refused); check the API base URL, or start the server" {
		t.Errorf("message %q", msg)
	}
	if r.m.connect.button.Text != "Retry" || r.m.connect.button.Disabled() {
		t.Errorf("button %q disabled=%v", r.m.connect.button.Text, r.m.connect.button.Disabled())
	}
	setText(r.m.connect.apiBase, r.sb.URL)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
}

func TestServerErrorThenRetry(t *testing.T) {
	r := newRig(t)
	target, _ := url.Parse(r.sb.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"success":false,"environment":"SANDBOX","message":"Database unavailable.","payload":null}`))
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	defer flaky.Close()
	chooseCustom(r, flaky.URL)
	pressEnter(r.m.connect.apiBase)
	r.ui.waitFor(t, "the error", r.m.connect.errLabel.Visible)
	if msg := r.m.connect.errLabel.Text; msg != `Create session failed: the QEX server failed (HTTP 500: "Database unavailable."); try again later` {
		t.Errorf("message %q", msg)
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
}

func TestDenialThenRetry(t *testing.T) {
	r := newRig(t)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "deny")
	a := r.m.approve
	r.ui.waitFor(t, "the denial", a.retryBtn.Visible)
	if a.heading.Text != "Not connected" || a.errLabel.Text != "The request was denied in the browser; approve it to connect, or start again" || a.checkBtn.Visible() {
		t.Errorf("after deny: heading %q error %q", a.heading.Text, a.errLabel.Text)
	}
	if a.intro.Visible() {
		t.Errorf("after deny the step still asks for the approval: %q", a.intro.Text)
	}
	if r.m.stepLabel.Text != "Step 2 of 4 · Approve" {
		t.Errorf("left the Approve step: %q", r.m.stepLabel.Text)
	}
	test.Tap(a.retryBtn)
	r.ui.waitFor(t, "a new approval link", func() bool { return a.url != "" && !a.retryBtn.Visible() })
	if !a.intro.Visible() {
		t.Error("the new approval does not say what to do")
	}
	r.user.answer(t, "approve")
	r.waitStep("Balances")
}

func TestTimeoutThenRetry(t *testing.T) {
	// Long enough for the retried flow to be approved on a loaded machine.
	r := newRig(t, func(e *flows.EngineConfig, _ *Options) { e.Timeout = 1500 * time.Millisecond })
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	<-r.user.urls // the user wanders off
	a := r.m.approve
	r.ui.waitFor(t, "the timeout", a.retryBtn.Visible)
	if a.errLabel.Text != "Timed out: nobody approved the connection in time. Retry to get a new link." {
		t.Errorf("message %q", a.errLabel.Text)
	}
	if a.activity.Visible() {
		t.Error("the spinner still spins after the timeout")
	}
	test.Tap(a.retryBtn)
	r.ui.waitFor(t, "a new approval link", func() bool { return a.url != "" && !a.retryBtn.Visible() })
	if !a.intro.Visible() {
		t.Error("the new approval does not say what to do")
	}
	r.user.answer(t, "approve")
	r.waitStep("Balances")
}

func TestInvalidKeyAndCustomURLAreCheckedBeforeSending(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		env, base, key, want string
	}{
		{choiceProduction, "", "", "Enter the public API key"},
		{choiceSandbox, "", "pk_a b c d", `"pk_a b c d" is not a public API key: they start with pk_ and have 8 to 200 letters, digits, _ or -`},
		{choiceCustom, "", "pk_sandbox_12345678", "Enter your server's API base URL, e.g. https://partners.liquid.com"},
		{choiceCustom, "partners.example", "pk_sandbox_12345678", `API base "partners.example" is not an http(s) URL such as https://partners.liquid.com`},
	} {
		r.m.connect.env.SetSelected(tc.env)
		setText(r.m.connect.apiBase, tc.base)
		setText(r.key(), tc.key)
		test.Tap(r.m.connect.button)
		if r.m.connect.errLabel.Text != tc.want || !r.m.connect.errLabel.Visible() {
			t.Errorf("%s %q %q: error %q", tc.env, tc.base, tc.key, r.m.connect.errLabel.Text)
		}
	}
	if len(r.m.inspector.exchanges) != 0 {
		t.Errorf("invalid input was sent: %d exchanges", len(r.m.inspector.exchanges))
	}
	// Typing clears the error; a good key goes through.
	r.m.connect.env.SetSelected(choiceSandbox)
	setText(r.key(), "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08")
	if r.m.connect.errLabel.Visible() {
		t.Error("the error stays while the user corrects the key")
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
}

func TestSwitchingEnvironmentSwapsTheSandboxKey(t *testing.T) {
	r := newRig(t)
	r.m.connect.env.SetSelected(choiceProduction)
	if r.key().Text != "" || r.m.badge.Text() != "PRODUCTION" {
		t.Errorf("production: key %q badge %q", r.key().Text, r.m.badge.Text())
	}
	r.m.connect.env.SetSelected(choiceSandbox)
	if r.key().Text != qexsandbox.DefaultPublicAPIKey || r.m.badge.Text() != "SANDBOX" {
		t.Errorf("sandbox: key %q badge %q", r.key().Text, r.m.badge.Text())
	}
}

func TestCancelGoesBackToConnect(t *testing.T) {
	r := newRig(t)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	test.Tap(findButton(t, r.m.approve.body, "Cancel"))
	if r.m.stepLabel.Text != "Step 1 of 4 · Connect" || r.m.connect.button.Disabled() {
		t.Errorf("after cancel: %q", r.m.stepLabel.Text)
	}
	// The cancelled flow's last words do not disturb the Connect step.
	r.ui.waitFor(t, "the cancellation to be logged", func() bool {
		for _, e := range r.m.inspector.events {
			if strings.Contains(e.text, "cancelled") {
				return true
			}
		}
		return false
	})
	if r.m.connect.errLabel.Visible() {
		t.Errorf("cancel shows an error: %q", r.m.connect.errLabel.Text)
	}
}

// When no browser can be opened, the step says so and why, and what to do;
// the sandbox's loopback link gets no QR code, with the reason.
func TestBrowserThatCannotOpenIsSaid(t *testing.T) {
	r := newRig(t, func(e *flows.EngineConfig, _ *Options) {
		e.OpenBrowser = func(string) error { return errors.New("no browser found (xdg-open is missing)") }
	})
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	a := r.m.approve
	if !strings.HasPrefix(a.intro.Text, "Your browser could not be opened: no browser found (xdg-open is missing). Copy the link below") {
		t.Errorf("intro %q", a.intro.Text)
	}
	if strings.Contains(a.intro.Text, "opened in your browser") {
		t.Error("the step still claims the page opened")
	}
	if a.qrBox.Visible() || !strings.Contains(a.qrNote.Text, "a phone cannot reach") {
		t.Errorf("QR visible %v, note %q", a.qrBox.Visible(), a.qrNote.Text)
	}
}

// A connection to a server that never answers can be cancelled: the wait
// says where it is connecting and for how long.
func TestSlowConnectCanBeCancelled(t *testing.T) {
	done := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers, until the test is over
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer hang.Close()
	defer close(done)
	r := newRig(t)
	chooseCustom(r, hang.URL)
	test.Tap(r.m.connect.button)
	c := r.m.connect
	host := strings.TrimPrefix(hang.URL, "http://")
	if !c.cancel.Visible() || !strings.HasPrefix(c.waiting.Text, "Connecting to "+host+"… 0:0") {
		t.Fatalf("waiting %q, cancel visible %v", c.waiting.Text, c.cancel.Visible())
	}
	test.Tap(c.cancel)
	if c.cancel.Visible() || c.waiting.Visible() || c.button.Disabled() {
		t.Errorf("after Cancel: waiting %v, cancel %v, button disabled %v", c.waiting.Visible(), c.cancel.Visible(), c.button.Disabled())
	}
}

// The sandbox's built-in key comes back with one press after editing it.
func TestSandboxValuesComeBack(t *testing.T) {
	r := newRig(t)
	setText(r.key(), "pk_mine_123456789")
	r.m.connect.env.SetSelected(choiceProduction)
	test.Tap(r.m.connect.sandboxBtn)
	if r.key().Text != qexsandbox.DefaultPublicAPIKey || r.m.connect.env.Selected != choiceSandbox {
		t.Errorf("key %q, env %q", r.key().Text, r.m.connect.env.Selected)
	}
}

// Escape cancels a pending approval; closing the window mid-approval asks
// first, and keeps waiting when the user says so.
func TestEscapeCancelsAndQuittingAsks(t *testing.T) {
	r := newRig(t)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.m.win.Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	r.waitStep("Connect")
	<-r.user.urls // the first approval page, abandoned

	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.m.close()
	confirm(t, r, "Keep waiting")
	if !r.m.approve.active() {
		t.Fatal("keeping on waiting ended the approval")
	}
	r.user.answer(t, "approve")
	r.waitStep("Balances")
}
