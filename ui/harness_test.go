package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// Dates on screen are local times; snapshots must not depend on where the
// tests run.
func init() { time.Local = time.UTC }

// uiThread stands in for Fyne's main loop: the window's background work
// queues functions here and the test goroutine runs them, so widgets are only
// touched from one goroutine, as in the real app.
type uiThread struct{ queue chan func() }

func newUIThread() *uiThread { return &uiThread{queue: make(chan func(), 4096)} }

func (u *uiThread) do(f func()) { u.queue <- f }

// waitFor runs queued UI work, one function at a time, until cond holds
// (checked after each, so passing states are seen), failing after a
// deadline.
func (u *uiThread) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case f := <-u.queue:
			f()
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// user is a scripted person at the browser: the app's "open browser" hands
// them the URL, and the test decides when and how they answer.
type user struct {
	urls chan string
}

func newUser() *user { return &user{urls: make(chan string, 8)} }

func (u *user) open(url string) error {
	u.urls <- url
	return nil
}

// answer has the user press decision on the approval page they were sent to.
func (u *user) answer(t *testing.T, decision string) {
	t.Helper()
	select {
	case url := <-u.urls:
		if _, err := testbrowser.Submit(context.Background(), url, decision, testbrowser.Options{}); err != nil {
			t.Fatalf("%s in the browser: %v", decision, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the app never opened the approval page")
	}
}

// rig is a window on the embedded sandbox with a scripted user.
type rig struct {
	t      *testing.T
	app    fyne.App
	ui     *uiThread
	user   *user
	sb     *sandbox.Server
	engine *flows.Engine
	m      *MainWindow
}

type rigOption func(*flows.EngineConfig, *Options)

func newRig(t *testing.T, opts ...rigOption) *rig {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	r := &rig{t: t, app: test.NewTempApp(t), ui: newUIThread(), user: newUser(), sb: sb}
	ecfg := flows.EngineConfig{
		Providers:   providers.Clients(providers.All),
		Sandbox:     sb.Engine(),
		OpenBrowser: r.user.open,
		Receiver:    flows.Loopback,
		Receivers:   map[string]flows.ReceiverFactory{flows.CallbackLoopback: flows.Loopback, flows.CallbackNone: nil},
		Timeout:     time.Minute,
		PollMin:     50 * time.Millisecond,
		PollMax:     200 * time.Millisecond,
	}
	uopts := Options{
		Target:        flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}},
		SandboxInputs: sandbox.PublicInputs(providers.Emulators(providers.All)),
		Do:            r.ui.do,
	}
	for _, o := range opts {
		o(&ecfg, &uopts)
	}
	r.engine = flows.NewEngine(ecfg)
	r.m = NewMainWindow(r.app, r.engine, uopts)
	t.Cleanup(func() {
		if r.m.conn != nil {
			r.m.conn.Cancel()
		}
	})
	return r
}

func (r *rig) stepIs(name string) func() bool {
	return func() bool { return strings.HasSuffix(r.m.stepLabel.Text, "· "+name) }
}

func (r *rig) waitStep(name string) {
	r.t.Helper()
	r.ui.waitFor(r.t, "the "+name+" step", r.stepIs(name))
}

// pressEnter delivers the Return key to an entry, as typing Enter would.
func pressEnter(e *widget.Entry) { e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

// setText replaces an entry's text as a user would: select all, type.
func setText(e *widget.Entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// find returns the one T inside o that match accepts, described by what.
func find[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject, what string, match func(T) bool) T {
	t.Helper()
	var found T
	ok := false
	walk(o, func(o fyne.CanvasObject) {
		if w, is := o.(T); is && match(w) {
			found, ok = w, true
		}
	})
	if !ok {
		t.Fatalf("no %s", what)
	}
	return found
}

// findButton finds the button labelled text inside o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	return find(t, o, "\""+text+"\" button", func(b *widget.Button) bool { return b.Text == text })
}

// walk visits o and everything inside it: containers' objects and widgets'
// rendered objects.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch o := o.(type) {
	case *fyne.Container:
		for _, child := range o.Objects {
			walk(child, visit)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(o).Objects() {
			walk(child, visit)
		}
	}
}

// tableCell renders the cell of the balances table in column col (colBalance…) as the table would.
func tableCell(b *balancesStep, row, col int) string {
	at := slices.Index(b.cols, col) // where the column is shown: Symbol and Type may not be
	if at < 0 {
		return ""
	}
	l := widget.NewLabel("")
	b.updateCell(widget.TableCellID{Row: row, Col: at}, l)
	return l.Text
}

func itoa(n int) string { return fmt.Sprint(n) }

// findSelect finds the picker with the given placeholder inside o.
func findSelect(t *testing.T, o fyne.CanvasObject, placeholder string) *widget.Select {
	t.Helper()
	return find(t, o, "\""+placeholder+"\" picker", func(s *widget.Select) bool { return s.PlaceHolder == placeholder })
}

// confirm presses the button labelled text on the dialog the window shows.
func confirm(t *testing.T, r *rig, text string) {
	t.Helper()
	top := r.m.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog to press %q on", text)
	}
	test.Tap(findButton(t, top, text))
}

// key is the QEX form's public API key field.
func (r *rig) key() *widget.Entry {
	return r.m.connect.forms[qex.Name].entries[qex.FieldPublicAPIKey]
}
