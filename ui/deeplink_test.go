package ui

import (
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// fakeScheme is a scheme registry that starts unregistered.
type fakeScheme struct {
	mu         sync.Mutex
	registered bool
	calls      int
}

func (f *fakeScheme) Status() (bool, msg.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	scheme := msg.Args{"Scheme": "io.qexcompanion.app"}
	if f.registered {
		return true, msg.RegisterRegistered.New(scheme)
	}
	return false, msg.RegisterNoHandler.New(scheme)
}

func (f *fakeScheme) Register() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.registered = true
	return nil
}

func TestDeepLinkModeShowsAndFixesRegistration(t *testing.T) {
	scheme := &fakeScheme{}
	r := newRig(t, func(_ *flows.EngineConfig, o *Options) { o.Scheme = scheme })
	c := r.m.connect
	if c.scheme.Visible() || c.register.Visible() {
		t.Error("registration shows for loopback")
	}
	c.callback.SetSelected(choiceDeepLink)
	r.ui.waitFor(t, "the registration status", func() bool { return c.register.Visible() })
	if c.scheme.Text != "No application opens io.qexcompanion.app links." {
		t.Errorf("status %q", c.scheme.Text)
	}
	test.Tap(c.register)
	r.ui.waitFor(t, "registration", func() bool {
		return !c.register.Visible() && c.scheme.Text == "This app opens io.qexcompanion.app links."
	})
	if scheme.calls != 1 {
		t.Errorf("Register called %d times", scheme.calls)
	}
	if got := c.target().Callback; got != flows.CallbackDeepLink {
		t.Errorf("target callback %q", got)
	}
	c.callback.SetSelected(choiceNone)
	if c.scheme.Visible() {
		t.Error("registration still shows for None")
	}
}

func TestNotifyShowsABanner(t *testing.T) {
	r := newRig(t)
	r.m.Notify(msg.LinkNothingWait.New(nil))
	r.ui.waitFor(t, "the banner", r.m.banner.Visible)
	if r.m.banner.Text != "A link arrived with nothing waiting for it (no sign-in is pending); start one from the Connect step." {
		t.Errorf("banner %q", r.m.banner.Text)
	}
}
