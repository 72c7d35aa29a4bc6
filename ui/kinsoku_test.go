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
			if first, _ := utf8.DecodeRuneInString(line); strings.ContainsRune("。、）」", first) {
				t.Fatalf("at %g wide the label wraps as %q", width, wrappedLines(l))
			}
		}
	}
}
