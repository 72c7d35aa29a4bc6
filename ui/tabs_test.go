package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tabsOverflow reports whether the tab bar hides tabs behind its "…" menu.
func tabsOverflow(m *MainWindow) bool {
	more := theme.MoreHorizontalIcon().Name()
	overflow := false
	walk(m.tabs, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Visible() && b.Icon != nil && b.Icon.Name() == more {
			overflow = true
		}
	})
	return overflow
}

// On a phone every tab, the Console too, is one tap away, in both
// languages; on a desktop they are named.
func TestEveryTabFitsAPhone(t *testing.T) {
	for _, language := range []string{"en", "ja"} {
		t.Run(language, func(t *testing.T) {
			if language == "ja" {
				useJapanese(t)
			}
			r := newRig(t)
			r.m.win.Resize(fyne.NewSize(360, 740))
			if tabsOverflow(r.m) {
				t.Error("at 360 px some tabs are only in the overflow menu")
			}
			if r.m.tabs.Items[0].Text == "" {
				t.Error("at 360 px the step's tab lost its name")
			}
			r.m.win.Resize(fyne.NewSize(1024, 700))
			if tabsOverflow(r.m) {
				t.Error("at 1024 px some tabs are only in the overflow menu")
			}
			for _, item := range r.m.tabs.Items {
				if item.Text == "" {
					t.Errorf("at 1024 px a tab has no name (icon %s)", item.Icon.Name())
				}
			}
		})
	}
}

// Enter in the key field starts the flow; the field leaves the screen, so
// it must not keep the focus and swallow the Escape that cancels the wait.
func TestEscapeCancelsAfterEnterInAField(t *testing.T) {
	r := newRig(t)
	r.m.win.Canvas().Focus(r.key())
	pressEnter(r.key())
	r.waitStep("Approve")
	if f := r.m.win.Canvas().Focused(); f != nil {
		t.Fatalf("on Approve the focus is still on %T, which takes Escape", f)
	}
	r.m.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) // what the window does with a key when nothing has focus
	r.waitStep("Connect")
}
