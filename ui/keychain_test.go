package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// gated blocks every call until the test opens the gate, then reports a
// locked keychain: a keychain waiting on an unlock prompt nobody answers.
type gated struct{ gate chan struct{} }

func (g gated) wait() error {
	<-g.gate
	return &keychain.UnavailableError{Reason: msg.Foreign.New(msg.Args{"Text": msg.Detail("the keychain is locked")})}
}
func (g gated) Get(_, _ string) (string, error) { return "", g.wait() }
func (g gated) Set(_, _, _ string) error        { return g.wait() }
func (g gated) Delete(_, _ string) error        { return g.wait() }

func withStore(backend keychain.Backend, dir string) rigOption {
	return func(e *flows.EngineConfig, _ *Options) {
		e.Sessions = sessions.New(keychain.New(backend), settings.Open(filepath.Join(dir, "settings.json")))
	}
}

func TestHangingKeychainNeverHoldsUpTheWindow(t *testing.T) {
	g := gated{gate: make(chan struct{})}
	r := newRig(t, withStore(g, t.TempDir()))
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	close(g.gate) // the resume lookup gets its answer: locked
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	r.ui.waitFor(t, "the keychain banner", r.m.banner.Visible)
	const msg = "No system keychain: this session will be forgotten when you quit"
	// One short sentence; the technical cause is one click away, in the
	// Inspector's event log.
	if r.m.banner.Text != msg+"." {
		t.Errorf("banner %q, want %q", r.m.banner.Text, msg+".")
	}
	test.Tap(findButton(t, r.m.bannerBox, "Details"))
	if r.m.tabs.Selected().Content != r.m.inspector.content || r.m.inspector.tabs.Selected() != r.m.inspector.eventTab {
		t.Error("Details did not open the Inspector's event log")
	}
	var logged string
	for _, e := range r.m.inspector.events {
		if strings.HasPrefix(e.text, msg) {
			logged = e.text
		}
	}
	if !strings.HasPrefix(logged, msg+" (no system keychain (") {
		t.Errorf("the event log does not give the cause: %q", logged)
	}
	// Dismissed, it stays away.
	test.Tap(findButton(t, r.m.bannerBox, ""))
	if r.m.banner.Visible() || r.m.bannerBox.Visible() {
		t.Error("the banner stayed after Dismiss")
	}
	// Still usable in this run: sign out and connect again; the banner
	// does not repeat itself.
	test.Tap(findButton(t, r.m.balances.body, "Sign out"))
	confirm(t, r, "Sign out")
	r.waitStep("Connect")
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	r.ui.waitFor(t, "the save to be reported", func() bool {
		n := 0
		for _, e := range r.m.inspector.events {
			if strings.HasPrefix(e.text, msg) {
				n++
			}
		}
		return n == 2
	})
	if r.m.bannerBox.Visible() || strings.Contains(r.m.banner.Text, msg) {
		t.Errorf("the dismissed banner came back: %q", r.m.banner.Text)
	}
}

func TestBalancesShowWhileTheKeychainIsStillBusy(t *testing.T) {
	g := gated{gate: make(chan struct{})}
	r := newRig(t, withStore(g, t.TempDir()), func(e *flows.EngineConfig, _ *Options) { e.NoResume = true })
	defer close(g.gate)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	// Saving the session is stuck in the keychain; the window is not.
	r.waitStep("Balances")
	if r.m.banner.Visible() {
		t.Error("the banner came before the keychain answered")
	}
	test.Tap(findButton(t, r.m.balances.body, "Widget configuration →"))
	r.waitStep("Widget configuration")
}

func TestSavedSessionsResumeSignOutForget(t *testing.T) {
	backend := testkeyring.NewMemory()
	dir := t.TempDir()
	r := newRig(t, withStore(backend, dir))
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	r.ui.waitFor(t, "the session to be saved", func() bool { return backend.Len() == 1 })
	test.Tap(findButton(t, r.m.config.body, "New connection"))
	r.waitStep("Connect")
	r.ui.waitFor(t, "the saved session in the list", func() bool { return len(r.m.connect.saved.Objects) > 0 })

	resume := findButton(t, r.m.connect.saved, "Resume")
	if !strings.Contains(savedText(r), "SANDBOX · pk_sandbox_5f3c1a7e") {
		t.Errorf("saved sessions list: %q", savedText(r))
	}
	test.Tap(resume)
	r.waitStep("Balances")
	if !r.m.balances.resumedL.Visible() || !strings.HasPrefix(r.m.balances.resumedL.Text, "Resumed session from ") {
		t.Errorf("resumed label %q", r.m.balances.resumedL.Text)
	}
	select {
	case url := <-r.user.urls:
		t.Errorf("resuming opened the approval page %s", url)
	default:
	}

	test.Tap(findButton(t, r.m.balances.body, "Sign out"))
	confirm(t, r, "Sign out")
	r.waitStep("Connect")
	r.ui.waitFor(t, "the sign-out notice", r.m.connect.infoL.Visible)
	if r.m.connect.button.Disabled() {
		t.Error("Connect is disabled after signing out of a resumed session")
	}
	if r.m.connect.infoL.Text != "Signed out: the session was ended on the server and forgotten here." || len(r.m.connect.saved.Objects) != 0 {
		t.Errorf("after sign-out: %q, %d saved rows", r.m.connect.infoL.Text, len(r.m.connect.saved.Objects))
	}

	secret := r.m.config.cfg.Identity.UserSession.SessionSecret

	// Forget deletes a saved session from this device.
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	test.Tap(findButton(t, r.m.balances.body, "Widget configuration →"))
	test.Tap(findButton(t, r.m.config.body, "New connection"))
	r.ui.waitFor(t, "the saved session", func() bool { return len(r.m.connect.saved.Objects) > 0 })
	test.Tap(findButton(t, r.m.connect.saved, "Forget"))
	r.ui.waitFor(t, "the list to empty", func() bool { return len(r.m.connect.saved.Objects) == 0 })
	if backend.Len() != 0 {
		t.Errorf("%d keychain entries after Forget", backend.Len())
	}

	// Nothing the window wrote holds a secret or a JWT.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if data, _ := os.ReadFile(path); err == nil && !d.IsDir() && (strings.Contains(string(data), secret) || jwtLike.Match(data)) {
			t.Errorf("%s holds a secret:\n%s", path, data)
		}
		return nil
	})
	for _, e := range r.m.inspector.events {
		if strings.Contains(e.text, secret) {
			t.Errorf("event log: %s", e.text)
		}
	}
}

func TestRemembersTargetAndWindowSize(t *testing.T) {
	var got []flows.Target
	var sizes []fyne.Size
	r := newRig(t, func(_ *flows.EngineConfig, o *Options) {
		o.WindowSize = fyne.NewSize(800, 600)
		o.Remember = func(tg flows.Target, size fyne.Size) { got = append(got, tg); sizes = append(sizes, size) }
	})
	if size := r.m.Window().Canvas().Size(); size != fyne.NewSize(800, 600) {
		t.Errorf("opened at %v, want the remembered 800×600", size)
	}
	chooseCustom(r, r.sb.URL)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.m.Window().Resize(fyne.NewSize(900, 650))
	r.m.Window().Close()
	if len(got) != 2 || got[0].Env != flows.EnvCustom || got[0].APIBase != r.sb.URL || sizes[1] != fyne.NewSize(900, 650) {
		t.Errorf("remembered %+v at %v", got, sizes)
	}
}

func savedText(r *rig) string {
	var texts []string
	walk(r.m.connect.saved, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	})
	return strings.Join(texts, "\n")
}
