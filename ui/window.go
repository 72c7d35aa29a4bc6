// Package ui is the app's window: a guided connect wizard (Connect, Approve,
// Balances, Widget configuration) and an inspector of every HTTP exchange and
// flow event. It renders flows events and calls the flows engine; it holds no
// HTTP, JSON or JWT code, so it runs headless under Fyne's test driver.
package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
)

// Engine is what the window drives. *flows.Engine is the real one.
type Engine interface {
	// Connect starts a flow in the background; emit is called from other
	// goroutines.
	Connect(t flows.Target, emit func(flows.Event)) flows.Connection
	// Refresh fetches balances again, in the background.
	Refresh(emit func(flows.Event))
	// OpenURL opens a URL in the user's browser.
	OpenURL(url string) error
}

// Options set up the window.
type Options struct {
	// Target is what the Connect step starts with.
	Target flows.Target
	// SandboxKey is filled in when the user picks the sandbox.
	SandboxKey string
	// AutoConnect starts the flow at once (--connect).
	AutoConnect bool
	// Do runs a function on the UI thread; fyne.Do when nil. Tests pass a
	// queue they drain on their own goroutine.
	Do func(func())
	// Now is the clock for elapsed times and "updated" stamps.
	Now func() time.Time
}

// MainWindow is the app's one window.
type MainWindow struct {
	app    fyne.App
	win    fyne.Window
	engine Engine
	opts   Options

	conn       flows.Connection
	generation int // events of older connections are only logged
	target     flows.Target

	badge     *envBadge
	stepLabel *widget.Label
	stepBody  *fyne.Container
	tabs      *container.AppTabs

	connect   *connectStep
	approve   *approveStep
	balances  *balancesStep
	config    *configStep
	inspector *inspector
}

// Title is the window's title.
const Title = "QEX Companion"

// NewMainWindow builds the window; call ShowAndRun on Window() to start.
func NewMainWindow(a fyne.App, engine Engine, opts Options) *MainWindow {
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Target.Env == "" {
		opts.Target.Env = flows.EnvSandbox
	}
	m := &MainWindow{app: a, engine: engine, opts: opts, win: a.NewWindow(Title)}
	m.badge = newEnvBadge(opts.Target.Env)
	m.stepLabel = widget.NewLabel("")
	m.stepLabel.TextStyle = fyne.TextStyle{Bold: true}
	m.connect = newConnectStep(m, opts.Target)
	m.approve = newApproveStep(m)
	m.balances = newBalancesStep(m)
	m.config = newConfigStep(m)
	m.inspector = newInspector(opts.Now)
	m.stepBody = container.NewStack()

	title := widget.NewLabelWithStyle(Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, title, m.badge)
	wizard := container.NewBorder(container.NewVBox(m.stepLabel, widget.NewSeparator()), nil, nil, nil, m.stepBody)
	m.tabs = container.NewAppTabs(
		container.NewTabItem("Connect", wizard),
		container.NewTabItem("Inspector", m.inspector.content),
	)
	m.win.SetContent(container.NewBorder(top, nil, nil, nil, m.tabs))
	m.win.Resize(fyne.NewSize(1024, 700))
	m.show(m.connect)
	if opts.AutoConnect {
		m.startFlow()
	}
	return m
}

// Window is the Fyne window.
func (m *MainWindow) Window() fyne.Window { return m.win }

// step is one screen of the wizard.
type step interface {
	number() int
	name() string
	content() fyne.CanvasObject
}

const stepCount = 4

func (m *MainWindow) show(s step) {
	m.stepLabel.SetText(stepTitle(s))
	m.stepBody.Objects = []fyne.CanvasObject{s.content()}
	m.stepBody.Refresh()
	if m.tabs != nil {
		m.tabs.SelectIndex(0)
	}
}

func stepTitle(s step) string {
	return fmt.Sprintf("Step %d of %d · %s", s.number(), stepCount, s.name())
}

// startFlow connects with what the Connect step holds.
func (m *MainWindow) startFlow() {
	target := m.connect.target()
	if err := target.Check(); err != nil {
		m.connect.showError(err.Error())
		return
	}
	if m.conn != nil {
		m.conn.Cancel()
	}
	m.generation++
	gen := m.generation
	m.target = target
	m.badge.set(target.Env)
	m.connect.busy(true)
	m.inspector.logText("connecting to the " + envName(target.Env) + " environment")
	m.conn = m.engine.Connect(target, func(e flows.Event) {
		m.opts.Do(func() { m.handle(gen, e) })
	})
}

// retry starts the same flow again after a failure.
func (m *MainWindow) retry() {
	m.approve.reset()
	m.startFlow()
}

// cancelFlow stops a waiting flow and goes back to Connect.
func (m *MainWindow) cancelFlow() {
	if m.conn != nil {
		m.conn.Cancel()
		m.conn = nil
	}
	m.generation++ // what the cancelled flow still says is only logged
	m.approve.reset()
	m.connect.busy(false)
	m.show(m.connect)
}

func (m *MainWindow) checkNow() {
	if m.conn != nil {
		m.conn.CheckNow()
	}
}

func (m *MainWindow) refresh() {
	m.balances.refreshing(true)
	gen := m.generation
	m.engine.Refresh(func(e flows.Event) { m.opts.Do(func() { m.handle(gen, e) }) })
}

// handle renders one event on the UI thread.
func (m *MainWindow) handle(gen int, e flows.Event) {
	m.inspector.log(e)
	if gen != m.generation {
		return
	}
	switch e := e.(type) {
	case flows.ApprovalURLReady:
		m.connect.busy(false)
		m.approve.waitFor(e)
		m.show(m.approve)
	case flows.Waiting:
		m.approve.status(e)
	case flows.BalancesFetched:
		m.balances.set(e.Accounts, e.At)
		m.approve.reset()
		m.show(m.balances)
	case flows.WidgetConfigReady:
		m.config.set(e.Config)
	case flows.ConfigWritten:
		m.config.written(e)
	case flows.RefreshFailed:
		m.balances.refreshFailed(e.Err)
	case flows.Failed:
		m.conn = nil
		m.connect.busy(false)
		if m.approve.active() {
			m.approve.fail(e.Err)
			return
		}
		m.connect.showError(e.Err.Error())
		m.show(m.connect)
	}
}
