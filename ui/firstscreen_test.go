package ui

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// measuringApp is a test app whose driver notes every text measured
// (widgets measure through the driver, whatever Fyne has cached).
type measuringApp struct {
	fyne.App
	driver *measuringDriver
}

func (a *measuringApp) Driver() fyne.Driver { return a.driver }

type measuringDriver struct {
	fyne.Driver
	mu       sync.Mutex
	measured map[string]bool // nil once stopped
}

func (d *measuringDriver) RenderedTextSize(text string, size float32, style fyne.TextStyle, source fyne.Resource) (fyne.Size, float32) {
	d.mu.Lock()
	if d.measured != nil {
		d.measured[text] = true
	}
	d.mu.Unlock()
	return d.Driver.RenderedTextSize(text, size, style, source)
}

// stop ends the recording and returns what was measured.
func (d *measuringDriver) stop() map[string]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.measured
	d.measured = nil
	return m
}

// drawnTexts are the texts drawn inside o, hidden parts included or not.
func drawnTexts(o fyne.CanvasObject, hidden bool) map[string]bool {
	out := map[string]bool{}
	var visit func(fyne.CanvasObject)
	visit = func(o fyne.CanvasObject) {
		if !hidden && !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *canvas.Text:
			out[o.Text] = true
		case *fyne.Container:
			for _, child := range o.Objects {
				visit(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(o).Objects() {
				visit(child)
			}
		}
	}
	visit(o)
	return out
}

// Opening the window measures the text of the first screen only: the
// other providers' forms, the other steps and the other tabs measure
// theirs when first shown. Fyne 2.7.1 shapes every string it measures
// anew, which is dear in Japanese (docs/performance.md).
func TestOpeningMeasuresOnlyTheFirstScreen(t *testing.T) {
	r := newRig(t)
	a := &measuringApp{App: r.app, driver: &measuringDriver{Driver: r.app.Driver(), measured: map[string]bool{}}}
	fyne.SetCurrentApp(a)
	t.Cleanup(func() { fyne.SetCurrentApp(r.app) })
	m := NewMainWindow(a, r.engine, Options{Target: r.m.connect.target(), SandboxInputs: r.m.opts.SandboxInputs, Do: r.ui.do})
	measured := a.driver.stop()
	if len(measured) == 0 {
		t.Fatal("nothing was measured: the window measures through another driver")
	}

	first := drawnTexts(m.win.Content(), true)
	others := map[string]fyne.CanvasObject{
		"the Approve step": m.approve.body, "the Balances step": m.balances.body, "the Widget configuration step": m.config.body,
		"the Widget editor": m.editor.content, "the Inspector": m.inspector.content, "the Console": m.console.content,
	}
	for _, info := range m.connect.providers {
		if f := m.connect.forms[info.Name]; f != m.connect.form() {
			others[info.Title+"'s form"] = f.box
		}
	}
	for name, view := range others {
		for text := range drawnTexts(view, true) {
			// Fyne measures single characters of its own ("M", "•", "…").
			if measured[text] && !first[text] && utf8.RuneCountInString(text) > 1 {
				t.Errorf("%s's %q was measured before it was shown", name, text)
			}
		}
	}
}

// Views measured only when first shown still show everything, including
// what arrived before: a form picked later, the tabs opened later.
func TestViewsShowWhatTheyMustWhenFirstShown(t *testing.T) {
	r := newRig(t)
	logged := msg.LinkNothingWait.New(nil)
	r.m.Log(logged) // before the Inspector was shown

	// Another provider's form, never shown before.
	r.m.connect.provider.SetSelected(liquid.Provider{}.Info().Title)
	form := drawnTexts(r.m.connect.fieldsBox, false)
	builtIn := r.m.opts.SandboxInputs[liquid.Name][liquid.FieldTokenID] // filled in on the sandbox
	for _, want := range []string{"API token id", builtIn, "API token secret", "Sandbox: leave empty", "Remember secrets in the system keychain"} {
		if !form[want] {
			t.Errorf("the Liquid form does not show %q; it shows %q", want, slices.Sorted(maps.Keys(form)))
		}
	}

	// The Console: GET and the path's placeholder.
	r.m.tabs.Select(r.m.tabs.Items[len(r.m.tabs.Items)-1])
	console := drawnTexts(r.m.console.content, false)
	for _, want := range []string{"GET", "/path?query", "JSON body (optional)", "Send"} {
		if !console[want] {
			t.Errorf("the Console does not show %q", want)
		}
	}

	// The Inspector: the filter's placeholder, Copy as curl disabled until
	// an exchange is chosen, and the line logged before it was shown.
	r.m.showEventLog()
	r.ui.waitFor(t, "the logged line", func() bool { return len(r.m.inspector.events) > 0 })
	if !r.m.inspector.copyCurl.Disabled() || !r.m.inspector.exportHAR.Disabled() {
		t.Error("Copy as curl and Export HAR are enabled with nothing to copy or export")
	}
	r.m.inspector.tabs.Select(r.m.inspector.httpTab)
	if inspector := drawnTexts(r.m.inspector.content, false); !inspector["Filter: method, host, path, status"] || !inspector["Copy as curl"] {
		t.Errorf("the Inspector does not show its filter and buttons: %q", slices.Sorted(maps.Keys(inspector)))
	}
	r.m.inspector.tabs.Select(r.m.inspector.eventTab)
	events := r.m.inspector.eventList
	events.Resize(fyne.NewSize(600, 400))
	shown := false
	walk(events, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.HasSuffix(l.Text, say(logged)) {
			shown = true
		}
	})
	if !shown {
		t.Error("the event log does not show the line logged before it was shown")
	}

	// The Widget editor (QEX has a widget): General open, its theme unset.
	r.m.connect.provider.SetSelected(r.m.connect.providers[0].Title)
	r.m.tabs.Select(r.m.editorTab)
	editor := drawnTexts(r.m.editor.content, false)
	for _, want := range []string{"General", "Theme", none, "Language", "Open widget", "Load…"} {
		if !editor[want] {
			t.Errorf("the Widget editor does not show %q", want)
		}
	}
	var open *widget.Button
	walk(r.m.editor.content, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Open widget" {
			open = b
		}
	})
	if open == nil || open.Size().Width < open.MinSize().Width {
		t.Error("the editor's buttons are narrower than their labels")
	}
}

// OpenMainWindow builds the first screen on another goroutine while the
// window is created: the window still shows it whole from its first frame,
// exactly as a window built in one go does, in both languages.
func TestOpenedWindowShowsTheFirstScreenFromItsFirstFrame(t *testing.T) {
	for _, language := range []string{"en", "ja"} {
		t.Run(language, func(t *testing.T) {
			if language == "ja" {
				useJapanese(t)
			}
			r := newRig(t)
			opts := Options{Target: r.m.connect.target(), SandboxInputs: r.m.opts.SandboxInputs, Do: r.ui.do}
			built := NewMainWindow(r.app, r.engine, opts)
			opened := OpenMainWindow(r.app, r.engine, opts)

			// As Fyne's GL driver does once it has created the window, before
			// its first frame: it asks for the content's size.
			opened.Window().Canvas().Content().MinSize()
			first := opened.Window().Canvas().Capture()
			want := built.Window().Canvas().Capture()
			if !first.Bounds().Eq(want.Bounds()) {
				t.Fatalf("the opened window's first frame is %v, the built one's %v", first.Bounds(), want.Bounds())
			}
			differ := 0
			for y := first.Bounds().Min.Y; y < first.Bounds().Max.Y; y++ {
				for x := first.Bounds().Min.X; x < first.Bounds().Max.X; x++ {
					if first.At(x, y) != want.At(x, y) {
						differ++
					}
				}
			}
			if differ > 0 {
				t.Errorf("the opened window's first frame differs from the built window in %d pixels; it shows %q",
					differ, slices.Sorted(maps.Keys(drawnTexts(opened.Window().Content(), false))))
			}
		})
	}
}
