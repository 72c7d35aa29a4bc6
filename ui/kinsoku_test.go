package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// wrappedLines are the lines a label draws, as wrapped at its width.
func wrappedLines(l *widget.Label) []string {
	var lines []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *canvas.Text:
			lines = append(lines, v.Text)
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(l)
	return lines
}

// kinsoku is the closing punctuation that never starts a line in Japanese.
const kinsoku = "。、，．・：；？！」』）］｝〕〉》】"

// startsWithClosing reports whether a wrapped line breaks the rule.
func startsWithClosing(line string) bool {
	first, _ := utf8.DecodeRuneInString(line)
	return strings.ContainsRune(kinsoku, first)
}

// The Japanese "Resumed…" sentence never leaves its 。 alone at the start
// of a line, at any window width from a phone's 360 to the default 1024:
// Fyne 2.7.1 cuts unspaced Japanese wherever the width runs out, so each
// sentence has a line of its own.
func TestResumedSentenceKeepsItsPunctuation(t *testing.T) {
	useJapanese(t)
	r := newRig(t, withStore(testkeyring.NewMemory(), t.TempDir()))
	test.Tap(r.m.connect.button)
	r.waitStep(lang.L("Approve"))
	r.user.answer(t, "approve")
	r.waitStep(lang.L("Balances"))
	test.Tap(findButton(t, r.m.config.body, lang.L("New connection")))
	r.waitStep(lang.L("Connect"))
	r.ui.waitFor(t, "the saved session in the list", func() bool { return len(r.m.connect.saved.Objects) > 0 })
	test.Tap(findButton(t, r.m.connect.saved, lang.L("Resume")))
	r.waitStep(lang.L("Balances"))
	l := r.m.balances.resumedL
	if !l.Visible() || !strings.Contains(l.Text, "セッションを再開しました") {
		t.Fatalf("resumed label %q", l.Text)
	}
	for width := float32(360); width <= 1024; width++ {
		r.m.win.Resize(fyne.NewSize(width, 740))
		for _, line := range wrappedLines(l) {
			if startsWithClosing(line) {
				t.Fatalf("at %g wide the label wraps as %q", width, wrappedLines(l))
			}
		}
	}
}

// What each sandbox scenario does, or why it cannot happen for a
// provider, wraps in Japanese on a phone and on the default window without
// a line that starts with closing punctuation.
func TestScenarioSummariesKeepTheirPunctuation(t *testing.T) {
	useJapanese(t)
	r := newScenarioRig(t)
	p := r.m.connect.scenarios
	for _, size := range []fyne.Size{fyne.NewSize(360, 740), fyne.NewSize(1024, 700)} {
		r.m.win.Resize(size)
		for _, provider := range r.m.connect.provider.Options {
			r.m.connect.provider.SetSelected(provider)
			for _, name := range p.choice.Options {
				p.choice.SetSelected(name)
				for _, line := range wrappedLines(p.summary) {
					if startsWithClosing(line) {
						t.Errorf("at %gx%g, %s, %s wraps as %q", size.Width, size.Height, provider, name, wrappedLines(p.summary))
						break
					}
				}
			}
		}
	}
}

// checkWrapping fails if l, wrapped at the window's size, starts a line
// with closing punctuation.
func checkWrapping(t *testing.T, size fyne.Size, what string, l *widget.Label) {
	t.Helper()
	for _, line := range wrappedLines(l) {
		if startsWithClosing(line) {
			t.Errorf("at %gx%g, %s wraps as %q", size.Width, size.Height, what, wrappedLines(l))
			return
		}
	}
}

// The keychain banner and the console's status keep their punctuation on
// a phone and on the default window, whichever provider is connected.
func TestBannerAndConsoleKeepTheirPunctuation(t *testing.T) {
	useJapanese(t)
	noKeychain := gated{gate: make(chan struct{})}
	close(noKeychain.gate) // every call says the keychain is unavailable
	r := newRig(t, withStore(noKeychain, t.TempDir()))
	test.Tap(r.m.connect.button)
	r.waitStep(lang.L("Approve"))
	r.user.answer(t, "approve")
	r.waitStep(lang.L("Balances"))
	r.ui.waitFor(t, "the keychain banner", r.m.banner.Visible)
	r.m.tabs.SelectIndex(3) // the console joins the window
	c := r.m.console
	for _, size := range []fyne.Size{fyne.NewSize(360, 740), fyne.NewSize(1024, 700)} {
		r.m.win.Resize(size)
		checkWrapping(t, size, "the banner", r.m.banner)
		c.past = nil
		c.status.SetText(lang.L("Connect first; then requests go out with the session's own authentication."))
		checkWrapping(t, size, "the console before connecting", c.status)
		for _, info := range r.m.connect.providers {
			c.connected(info.Title)
			checkWrapping(t, size, "the console connected to "+info.Name, c.status)
		}
	}
}
