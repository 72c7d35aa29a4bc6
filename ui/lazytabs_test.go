package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// inWindow reports whether o is part of the window's content or of a tab
// (Fyne's tabs list only the selected tab's content as theirs).
func inWindow(m *MainWindow, o fyne.CanvasObject) bool {
	found := false
	visit := func(c fyne.CanvasObject) { found = found || c == o }
	walk(m.win.Content(), visit)
	for _, item := range m.tabs.Items {
		walk(item.Content, visit)
	}
	return found
}

// Only the Connect tab is built into the window at start; each other tab's
// content joins it when the tab is first shown, with what was logged
// meanwhile, and stays when the user comes back.
func TestOtherTabsJoinTheWindowWhenFirstShown(t *testing.T) {
	r := newRig(t)
	others := []fyne.CanvasObject{r.m.editor.content, r.m.inspector.content, r.m.console.content}
	for _, content := range others {
		if inWindow(r.m, content) {
			t.Fatalf("%T is laid out before its tab was shown", content)
		}
	}
	r.m.Log(msg.LinkNothingWait.New(nil))
	r.ui.waitFor(t, "the line in the log", func() bool { return len(r.m.inspector.events) > 0 })
	for i, content := range others {
		r.m.tabs.SelectIndex(i + 1)
		if !inWindow(r.m, content) || !content.Visible() {
			t.Fatalf("tab %d shows nothing", i+1)
		}
	}
	r.m.tabs.SelectIndex(0)
	r.m.tabs.SelectIndex(2)
	if !inWindow(r.m, r.m.inspector.content) {
		t.Fatal("the Inspector's content left the window")
	}
	if r.m.inspector.eventList.Length() == 0 {
		t.Error("the Inspector's log does not list what was logged before it was shown")
	}
}
