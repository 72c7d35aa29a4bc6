package ui

import (
	"slices"
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
	onAPhoneInEachLanguage(t, func(t *testing.T, r *rig) {
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

// onAPhoneInEachLanguage runs check on a window resized to a phone
// (360×740), in English and in Japanese.
func onAPhoneInEachLanguage(t *testing.T, check func(*testing.T, *rig)) {
	for _, language := range []string{"en", "ja"} {
		t.Run(language, func(t *testing.T) {
			if language == "ja" {
				useJapanese(t)
			}
			r := newRig(t)
			r.m.win.Resize(fyne.NewSize(360, 740))
			check(t, r)
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

// selectTab shows the tab the window names name in English, whether or not
// the window is narrow enough to show only its icon.
func selectTab(t *testing.T, m *MainWindow, name string) {
	t.Helper()
	for item, label := range m.tabsBox.Layout.(*compactTabs).labels {
		if label == name && slices.Contains(m.tabs.Items, item) {
			m.tabs.Select(item)
			return
		}
	}
	t.Fatalf("no %q tab among %d", name, len(m.tabs.Items))
}

// tabNames are the names of the tabs shown, the step's first.
func tabNames(m *MainWindow) []string {
	names := []string{m.tabs.Items[0].Text}
	for _, item := range m.tabs.Items[1:] {
		names = append(names, m.tabsBox.Layout.(*compactTabs).labels[item])
	}
	return names
}

// The Widget editor tab is there, second, only while the chosen provider
// has a widget (QEX); the tab the user is on stays on screen as it comes
// and goes, and on a phone every tab stays one tap away.
func TestWidgetEditorTabOnlyForAProviderWithAWidget(t *testing.T) {
	r := newRig(t)
	withEditor := []string{"Connect", "Widget editor", "Inspector", "Console"}
	if got := tabNames(r.m); !slices.Equal(got, withEditor) {
		t.Fatalf("QEX's tabs: %q, want %q", got, withEditor)
	}
	qexTitle := r.m.connect.provider.Selected
	others := 0
	for _, info := range r.m.connect.providers {
		if info.Widget {
			continue
		}
		others++
		r.m.connect.provider.SetSelected(info.Title)
		if got, want := tabNames(r.m), []string{"Connect", "Inspector", "Console"}; !slices.Equal(got, want) {
			t.Errorf("%s's tabs: %q, want %q", info.Name, got, want)
		}
	}
	if others == 0 {
		t.Fatal("no provider without a widget to choose")
	}

	selectTab(t, r.m, "Inspector")
	inspector := r.m.tabs.Selected()
	r.m.win.Resize(fyne.NewSize(360, 740))
	r.m.connect.provider.SetSelected(qexTitle)
	if got := tabNames(r.m); !slices.Equal(got, withEditor) {
		t.Errorf("back on QEX, tabs: %q, want %q", got, withEditor)
	}
	if r.m.tabs.Selected() != inspector {
		t.Errorf("the Widget editor coming back moved the user off the Inspector to %q", r.m.tabs.Selected().Text)
	}
	if tabsOverflow(r.m) {
		t.Error("at 360 px, with the Widget editor back, some tabs are only in the overflow menu")
	}
}

// The Inspector's Widget tab, like the Widget editor, is there only while
// the chosen provider has a widget: the others never send widget events.
func TestInspectorWidgetTabOnlyForAProviderWithAWidget(t *testing.T) {
	r := newRig(t)
	selectTab(t, r.m, "Inspector")
	for _, info := range r.m.connect.providers {
		r.m.connect.provider.SetSelected(info.Title)
		var got []string
		for _, item := range r.m.inspector.tabs.Items {
			got = append(got, item.Text)
		}
		want := []string{"HTTP", "Events"}
		if info.Widget {
			want = append(want, "Widget")
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the Inspector's tabs are %q, want %q", info.Name, got, want)
		}
	}
}
