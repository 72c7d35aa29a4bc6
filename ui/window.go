// Package ui is the app's window: a guided connect wizard (Connect, Approve,
// Balances, Widget configuration) and an inspector of every HTTP exchange and
// flow event. It renders flows events and calls the flows engine; it holds no
// HTTP, JSON or JWT code, so it runs headless under Fyne's test driver.
package ui

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/internal/uiloop"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Engine is what the window drives. *flows.Engine is the real one.
type Engine interface {
	// Providers describes the providers, the default first.
	Providers() []flows.ProviderInfo
	// Check finds what is wrong with a target before anything is sent.
	Check(t flows.Target) error
	// RememberedInputs returns a provider's secret inputs kept in the
	// keychain; it may block on the keychain.
	RememberedInputs(provider string) flows.Inputs
	// RefreshToken renews the session's access token now, in the
	// background; ResultUpdated or RefreshFailed follows.
	RefreshToken(emit func(flows.Event))
	// Call sends one request with the session's authentication; it
	// blocks: call it off the UI thread.
	Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error)
	// RememberInputs keeps (or forgets) a target's secret inputs in the
	// keychain, in the background.
	RememberInputs(t flows.Target, remember bool, emit func(flows.Event))
	// Connect starts a flow in the background; emit is called from other
	// goroutines.
	Connect(t flows.Target, emit func(flows.Event)) flows.Connection
	// Refresh fetches balances again, in the background.
	Refresh(emit func(flows.Event))
	// OpenURL opens a URL in the user's browser.
	OpenURL(url string) error
	// SignOut ends the connected session and forgets it, in the background.
	SignOut(emit func(flows.Event))
	// SavedSessions lists the sessions saved on this device.
	SavedSessions() []flows.SavedSession
	// Forget deletes a saved session from this device, in the background.
	Forget(k flows.SessionKey, emit func(flows.Event))
	// OpenWidget serves cfg on the widget page and opens it, in the
	// background; the widget's events follow.
	OpenWidget(cfg widgetcfg.Config, emit func(flows.Event))
}

// Options set up the window.
type Options struct {
	// Target is what the Connect step starts with.
	Target flows.Target
	// SandboxInputs are filled in, by provider, where the user picks the
	// sandbox and leaves a field empty (its built-in partner key, token id).
	SandboxInputs map[string]flows.Inputs
	// AutoConnect starts the flow at once (--connect).
	AutoConnect bool
	// Do runs a function on the UI thread; fyne.Do when nil. Tests pass a
	// queue they drain on their own goroutine.
	Do func(func())
	// Now is the clock for elapsed times and "updated" stamps.
	Now func() time.Time
	// Notes are shown in a banner from the start (settings trouble,
	// --insecure-storage).
	Notes []msg.Message
	// WindowSize is the size to open at; zero for the default.
	WindowSize fyne.Size
	// Remember, if set, is told the target of each connection and, when the
	// window closes, its size, to restore them at the next launch.
	Remember func(t flows.Target, size fyne.Size)
	// Language is the language chosen in the window ("" follows the
	// system), and SetLanguage, if set, keeps a new choice for the next
	// launch.
	Language    string
	SetLanguage func(code string) error
	// Scheme, if set, reports and fixes whether io.qexcompanion.app links
	// open in this app (for the deep-link callback mode).
	Scheme SchemeRegistry
	// Scenarios, if set, are the embedded sandbox's, picked on Connect.
	Scenarios *SandboxScenarios
	// Quitting, if set, is told from any goroutine, maybe more than once,
	// that the app has begun to quit: the window closed, or Quit.
	Quitting func()
}

// SchemeRegistry is the system's registration of the app's URL scheme.
type SchemeRegistry interface {
	Status() (registered bool, detail msg.Message)
	Register() error
}

// Notify shows note in the banner and the log; safe from any goroutine.
func (m *MainWindow) Notify(note msg.Message) {
	m.opts.Do(func() {
		text := say(note)
		m.inspector.logText(text)
		m.note(sentence(oneline.Sentence(text)))
	})
}

// Log adds note to the inspector's log; safe from any goroutine.
func (m *MainWindow) Log(note msg.Message) { m.opts.Do(func() { m.inspector.logText(say(note)) }) }

// Raise brings the window to the front; safe from any goroutine.
func (m *MainWindow) Raise() {
	m.opts.Do(func() {
		m.win.Show()
		m.win.RequestFocus()
	})
}

// MainWindow is the app's one window.
type MainWindow struct {
	app    fyne.App
	win    fyne.Window
	engine Engine
	opts   Options

	conn       flows.Connection
	generation int  // events of older connections are only logged
	shown      step // the wizard's step on screen

	badge        *envBadge
	banner       *widget.Label   // the notes, one a line
	bannerBox    *fyne.Container // the banner with Details and Dismiss
	said         map[string]bool // notes shown once already, dismissed or not
	stepLabel    *widget.Label
	stepBody     *fyne.Container
	tabs         *container.AppTabs
	unshown      map[*container.TabItem]fyne.CanvasObject // lazy tabs' contents, until first shown
	tabsBox      *fyne.Container                          // the tabs, laid out by compactTabs
	editorTab    *container.TabItem                       // among the tabs for a provider with a widget only
	inspectorTab *container.TabItem
	size         fyne.Size     // what the window opens at
	built        chan struct{} // closed once OpenMainWindow's content is built
	building     bool          // while OpenMainWindow builds the content: the window is not to be touched
	// gone is set as the window closes or the app is told to quit: after
	// that Fyne runs fyne.Do work at once, off its thread, with GLFW
	// terminated, where a widget refresh panics.
	gone atomic.Bool

	connect   *connectStep
	approve   *approveStep
	balances  *balancesStep
	config    *configStep
	editor    *editor
	console   *console
	inspector *inspector
}

// doWhileOpen runs f on the UI thread, unless the window is gone by then.
// While OpenMainWindow's content is being built, the caller waits for it:
// what arrives meanwhile (a keychain note, a link, --connect) then works on
// the built content, in the order it came.
func (m *MainWindow) doWhileOpen(f func()) {
	if m.built != nil {
		<-m.built
	}
	fyne.Do(func() {
		if !m.gone.Load() {
			f()
		}
	})
}

// Quit ends the app from any goroutine (Ctrl+C in the terminal that
// started it), also while it starts; work still arriving for the window is
// dropped from now on. Fyne's own SIGINT/SIGTERM handler races this one and
// may end the run loop first: the quit then never runs, where fyne.Do
// would close the window with GLFW terminated and panic.
func (m *MainWindow) Quit() {
	m.gone.Store(true)
	m.quitting()
	uiloop.Next(m.app.Quit)
}

// quitting tells Options.Quitting, if set.
func (m *MainWindow) quitting() {
	if m.opts.Quitting != nil {
		m.opts.Quitting()
	}
}

// Title is the window's title.
const Title = "QEX Companion"

// NewMainWindow builds the window and what it shows in one go, on the
// calling goroutine, so that everything exists when it returns (the tests'
// way; the app starts with OpenMainWindow). Call ShowAndRun on Window() to
// start.
func NewMainWindow(a fyne.App, engine Engine, opts Options) *MainWindow {
	m := newMainWindow(a, engine, opts)
	m.win = a.NewWindow(Title)
	// Sized before its content too, so that the content is laid out at the
	// window's width from the start: otherwise the first step is laid out at
	// the content's minimum width and every wrapped paragraph measured piece
	// by piece, then again at the real width. After it as well, so the
	// window is never smaller than its content needs.
	m.win.Resize(m.size)
	m.win.SetContent(m.build())
	m.win.Resize(m.size)
	m.show(m.connect)
	m.opened()
	if opts.AutoConnect {
		m.startFlow()
	}
	return m
}

// OpenMainWindow is NewMainWindow for the app's start, called on the main
// goroutine and followed by ShowAndRun: it builds what the window shows on
// another goroutine while Fyne initialises GLFW and creates the window and
// its GL context, the longest steps of start-up (spent in the GL driver and
// the X server), so that building the first screen and loading its fonts
// no longer wait for them, nor they for it. The window takes its content
// the first time it asks for its size, once created and before it is
// shown: its first frame is the whole first screen.
func OpenMainWindow(a fyne.App, engine Engine, opts Options) *MainWindow {
	m := newMainWindow(a, engine, opts)
	m.building = true
	late := newLateContent(func() fyne.CanvasObject {
		content := m.build()
		// Laid out at the size it will have before the first step joins
		// it, so that the step's text is measured here, and only at the
		// width it is drawn at.
		pad := 2 * theme.Padding()
		content.Resize(m.size.SubtractWidthHeight(pad, pad))
		m.show(m.connect)
		m.building = false
		return content
	})
	m.built = late.built // before the build starts: what it starts may already ask for the window
	late.start()
	m.win = a.NewWindow(Title)
	m.win.Resize(m.size)
	m.win.SetContent(late.root)
	late.expect()
	m.opened()
	if opts.AutoConnect {
		go m.opts.Do(m.startFlow) // once the content is built, on Fyne's thread
	}
	return m
}

// newMainWindow sets up what needs neither the window nor its content.
func newMainWindow(a fyne.App, engine Engine, opts Options) *MainWindow {
	var m *MainWindow
	if opts.Do == nil {
		opts.Do = func(f func()) { m.doWhileOpen(f) }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Target.Env == "" {
		opts.Target.Env = flows.EnvSandbox
	}
	m = &MainWindow{app: a, engine: engine, opts: opts}
	m.size = fyne.NewSize(1024, 700)
	if opts.WindowSize.Width > 0 && opts.WindowSize.Height > 0 { // as the user left it, however small
		m.size = opts.WindowSize
	}
	return m
}

// width is the window's width, which the layouts switch on; while
// OpenMainWindow builds the content, the width the window opens at, as the
// window is being created on another goroutine meanwhile.
func (m *MainWindow) width() float32 {
	if m.building {
		return m.size.Width
	}
	return m.win.Canvas().Size().Width
}

// opened wires the window's own events.
func (m *MainWindow) opened() {
	m.win.SetOnClosed(func() {
		m.gone.Store(true)
		m.remember(m.connect.target())
		m.quitting()
	})
	m.win.SetCloseIntercept(m.close)
	m.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			m.escape()
		}
	})
}

// build makes what the window shows, to be laid out before the Connect
// step is shown in it. It calls nothing that must run on Fyne's thread and
// touches no window: OpenMainWindow runs it on another goroutine.
func (m *MainWindow) build() fyne.CanvasObject {
	opts := m.opts
	m.badge = newEnvBadge(opts.Target.Env)
	m.banner = widget.NewLabel("")
	m.banner.Wrapping = fyne.TextWrapWord
	m.banner.Importance = widget.WarningImportance
	details := widget.NewButton(lang.L("Details"), m.showEventLog)
	dismiss := widget.NewButtonWithIcon("", theme.CancelIcon(), m.dismissNotes)
	dismiss.Importance = widget.LowImportance
	m.bannerBox = container.NewBorder(nil, nil, nil, container.NewVBox(container.NewHBox(details, dismiss)), m.banner)
	m.banner.Hide()
	m.bannerBox.Hide()
	m.said = map[string]bool{}
	m.stepLabel = widget.NewLabel("")
	m.stepLabel.TextStyle = fyne.TextStyle{Bold: true}
	m.connect = newConnectStep(m, opts.Target)
	m.approve = newApproveStep(m)
	m.balances = newBalancesStep(m)
	m.config = newConfigStep(m)
	m.inspector = newInspector(m)
	m.editor = newEditor(m)
	m.console = newConsole(m)
	m.stepBody = container.NewStack()
	for _, note := range opts.Notes {
		text := say(note)
		m.inspector.logText(text)
		m.note(sentence(oneline.Sentence(text)))
	}

	title := widget.NewLabelWithStyle(Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(container.NewBorder(nil, nil, title, m.badge), m.bannerBox)
	wizard := container.NewBorder(container.NewVBox(m.stepLabel, widget.NewSeparator()), nil, nil, nil, m.stepBody)
	m.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("Connect"), theme.HomeIcon(), wizard),
		m.lazyTab(lang.L("Widget editor"), theme.DocumentCreateIcon(), m.editor.content),
		m.lazyTab(lang.L("Inspector"), theme.SearchIcon(), m.inspector.content),
		m.lazyTab(lang.L("Console"), theme.ComputerIcon(), m.console.content),
	)
	m.tabs.OnSelected = m.showLazyTab
	m.editorTab, m.inspectorTab = m.tabs.Items[1], m.tabs.Items[2]
	m.tabsBox = container.New(newCompactTabs(m.tabs), m.tabs)
	m.showEditorTab()
	return container.NewBorder(top, nil, nil, nil, m.tabsBox)
}

// lazyTab is a tab whose content joins the window only when the tab is
// first shown (showLazyTab): Fyne sizes tabs by the largest of all their
// contents, so every tab's widgets would otherwise be laid out and every
// label measured, in every language, before the first frame.
func (m *MainWindow) lazyTab(name string, icon fyne.Resource, content fyne.CanvasObject) *container.TabItem {
	item := container.NewTabItemWithIcon(name, icon, container.NewStack())
	if m.unshown == nil {
		m.unshown = map[*container.TabItem]fyne.CanvasObject{}
	}
	m.unshown[item] = content
	return item
}

// showLazyTab puts a lazy tab's content in place of its empty stand-in the
// first time it is shown.
func (m *MainWindow) showLazyTab(item *container.TabItem) {
	if content, ok := m.unshown[item]; ok {
		delete(m.unshown, item)
		item.Content = content
		m.tabs.Refresh()
	}
}

// compactTabs lays out the window's tabs: when their names do not fit side
// by side (a phone, longer Japanese names), every tab but the step's shows
// only its icon, so all of them stay one tap away instead of in the
// overflow menu, where a phone user would not find the Console.
type compactTabs struct {
	tabs    *container.AppTabs
	labels  map[*container.TabItem]string // every tab's name but the step's, shown or not
	compact bool
}

func newCompactTabs(tabs *container.AppTabs) *compactTabs {
	c := &compactTabs{tabs: tabs, labels: map[*container.TabItem]string{}}
	for _, item := range tabs.Items[1:] {
		c.labels[item] = item.Text
	}
	return c
}

// namedWidth is the width of the tab bar with every tab named, as Fyne's
// tab buttons measure: padding, icon, gap, bold name, padding.
func (c *compactTabs) namedWidth() float32 {
	w := theme.Padding() * float32(len(c.tabs.Items)-1)
	for i, item := range c.tabs.Items {
		name := c.labels[item]
		if i == 0 {
			name = item.Text // the step's name
		}
		w += 2*theme.InnerPadding() + theme.IconInlineSize() + theme.Padding() +
			fyne.MeasureText(name, theme.TextSize(), fyne.TextStyle{Bold: true}).Width
	}
	return w
}

func (c *compactTabs) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	if compact := c.namedWidth() > size.Width; compact != c.compact {
		c.compact = compact
		for item, label := range c.labels {
			item.Text = label
			if compact {
				item.Text = ""
			}
		}
		c.tabs.Refresh()
	}
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (c *compactTabs) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

// Window is the Fyne window.
func (m *MainWindow) Window() fyne.Window { return m.win }

// step is one screen of the wizard.
type step interface {
	number() int
	name() string
	content() fyne.CanvasObject
}

func (m *MainWindow) show(s step) {
	if s == step(m.connect) {
		m.connect.listSaved() // what was saved or forgotten meanwhile
	}
	m.shown = s
	m.retitle()
	// What had the keyboard focus is no longer on screen; left focused,
	// it would swallow Escape, which cancels only when nothing has focus.
	if !m.building {
		m.win.Canvas().Unfocus()
	}
	m.stepBody.Objects = []fyne.CanvasObject{s.content()}
	m.stepBody.Refresh()
	if m.tabs != nil {
		m.tabs.SelectIndex(0)
	}
}

// retitle names the step shown.
func (m *MainWindow) retitle() {
	if m.shown != nil {
		m.stepLabel.SetText(lang.L("Step {{.N}} of {{.Count}} · {{.Name}}", map[string]any{"N": m.shown.number(), "Count": m.stepCount(), "Name": m.shown.name()}))
		if m.tabs != nil && m.tabs.Items[0].Text != m.shown.name() {
			m.tabs.Items[0].Text = m.shown.name() // the tab names the step it shows
			m.tabs.Refresh()
		}
	}
}

// stepCount is 4 for a provider with a widget configuration to show
// (QEX), 3 for the others.
func (m *MainWindow) stepCount() int {
	if m.connect.form().info.Widget {
		return 4
	}
	return 3
}

// showEditorTab shows the Widget editor tab, second, and the inspector's
// Widget tab, only when the chosen provider has a widget.
func (m *MainWindow) showEditorTab() {
	if m.inspector != nil { // nil while the connect step is built: set up after it
		m.inspector.showWidgetTab(m.connect.form().info.Widget)
	}
	if m.tabsBox == nil {
		return // the connect step is being built: the tabs come next
	}
	shown := slices.Contains(m.tabs.Items, m.editorTab)
	switch want := m.connect.form().info.Widget; {
	case want && !shown:
		selected := m.tabs.Selected()
		m.tabs.SetItems(slices.Insert(slices.Clone(m.tabs.Items), 1, m.editorTab))
		m.tabs.Select(selected) // the same tab as before, now one further on
	case !want && shown:
		m.tabs.Remove(m.editorTab)
	default:
		return
	}
	m.tabsBox.Refresh() // the names may now fit side by side, or no longer
}

// note adds a line to the banner under the title, once.
// note adds a line to the banner under the title, once in a run: a note
// dismissed stays dismissed. What lies behind it is in the event log.
func (m *MainWindow) note(text string) {
	if m.said[text] {
		return
	}
	m.said[text] = true
	if m.banner.Text != "" {
		text = m.banner.Text + "\n" + text
	}
	m.banner.SetText(text)
	m.banner.Show()
	m.bannerBox.Show()
}

// dismissNotes hides the banner and what it said.
func (m *MainWindow) dismissNotes() {
	m.banner.SetText("")
	m.banner.Hide()
	m.bannerBox.Hide()
}

// showEventLog opens the Inspector's event log, where each note's cause is.
func (m *MainWindow) showEventLog() {
	m.tabs.Select(m.inspectorTab)
	m.inspector.tabs.Select(m.inspector.eventTab)
}

// bannerNote is what the banner says of err: its short sentence when it
// has one (the whole error, cause and all, is in the event log).
func bannerNote(err error) string {
	var brief interface{ Brief() string }
	if errors.As(err, &brief) {
		return lang.L(brief.Brief())
	}
	return sentence(oneline.Sentence(sayErr(err)))
}

func (m *MainWindow) remember(t flows.Target) {
	if m.opts.Remember != nil {
		m.opts.Remember(t, m.win.Canvas().Size())
	}
}

// emit returns the event handler for work started now: what arrives after
// a newer connection started is only logged.
func (m *MainWindow) emit() func(flows.Event) {
	gen := m.generation
	return func(e flows.Event) { m.opts.Do(func() { m.handle(gen, e) }) }
}

// startFlow connects with what the Connect step holds.
func (m *MainWindow) startFlow() {
	target := m.connect.target()
	if err := m.engine.Check(target); err != nil {
		m.connect.showError(sayErr(err))
		return
	}
	if p := m.connect.scenarios; p != nil && p.active() != "" {
		if why := p.inapplicable(); !why.IsZero() {
			m.connect.showError(lang.L("The sandbox scenario {{.Scenario}} does not apply to this provider: {{.Why}}", map[string]any{"Scenario": p.active(), "Why": say(why)}))
			return
		}
	}
	if m.conn != nil {
		m.conn.Cancel()
	}
	m.generation++
	m.badge.set(target.Env)
	m.connect.busy(true)
	m.balances.resumed("")
	m.remember(target)
	if f := m.connect.form(); f.remember != nil {
		m.engine.RememberInputs(target, f.remember.Checked, m.emit())
	}
	m.inspector.logText(map[string]string{
		flows.EnvSandbox:    lang.L("connecting to the sandbox environment"),
		flows.EnvProduction: lang.L("connecting to the production environment"),
		flows.EnvCustom:     lang.L("connecting to the custom environment"),
	}[target.Env])
	m.conn = m.engine.Connect(target, m.emit())
}

// resumeSaved connects to a saved session's target; the engine resumes it.
func (m *MainWindow) resumeSaved(k flows.SessionKey) {
	m.connect.setTarget(k.Target(m.connect.providerInfo(k.Provider)))
	m.startFlow()
}

func (m *MainWindow) forget(k flows.SessionKey) { m.engine.Forget(k, m.emit()) }

// signOut ends the session after the user confirms: it cannot be undone.
func (m *MainWindow) signOut() {
	d := dialog.NewConfirm(lang.L("Sign out?"), lang.L("The session is ended on the server and forgotten here; connecting again needs a new approval."), func(ok bool) {
		if ok {
			m.engine.SignOut(m.emit())
		}
	}, m.win)
	d.SetConfirmText(lang.L("Sign out"))
	d.SetDismissText(lang.L("Stay signed in"))
	d.Show()
}

// escape cancels what is waiting: a connection, an approval.
func (m *MainWindow) escape() {
	if m.conn != nil || m.approve.active() {
		m.cancelFlow()
	}
}

// close quits, asking first while an approval is pending: quitting ends it.
func (m *MainWindow) close() {
	if !m.approve.active() {
		m.win.Close()
		return
	}
	d := dialog.NewConfirm(lang.L("Quit while waiting for approval?"), lang.L("The approval in your browser will not reach the app any more."), func(ok bool) {
		if ok {
			m.cancelFlow()
			m.win.Close()
		}
	}, m.win)
	d.SetConfirmText(lang.L("Quit"))
	d.SetDismissText(lang.L("Keep waiting"))
	d.Show()
}

// openWidget shows the current configuration running in the widget. Its
// events reach the inspector whatever connection comes later.
func (m *MainWindow) openWidget(cfg widgetcfg.Config) {
	m.engine.OpenWidget(cfg, func(e flows.Event) { m.opts.Do(func() { m.handleWidget(e) }) })
}

func (m *MainWindow) handleWidget(e flows.Event) {
	m.inspector.log(e)
	switch e := e.(type) {
	case flows.WidgetHostReady:
		m.config.widgetReady(e)
	case flows.Failed:
		m.config.showError(e.Err)
	}
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
	m.engine.Refresh(m.emit())
}

func (m *MainWindow) refreshToken() {
	m.balances.refreshing(true)
	m.engine.RefreshToken(m.emit())
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
		m.connect.busy(false) // a resumed session never showed Approve
		m.balances.set(e.Balances, e.At)
	case flows.ResultReady:
		m.connect.busy(false) // a resumed session never showed Approve
		m.balances.setResult(e.Result)
		m.console.connected(m.connect.providerInfo(e.Result.Provider).Title)
		if e.Result.Widget != nil {
			m.config.set(e.Result.Widget.Config)
		}
		m.approve.reset()
		m.show(m.balances)
	case flows.ConfigWritten:
		m.config.written(e)
	case flows.ResultUpdated:
		m.balances.refreshing(false)
		m.balances.setResult(e.Result)
	case flows.RefreshFailed:
		m.balances.refreshFailed(e.Err)
	case flows.Resumed:
		m.balances.resumed(lang.L("Resumed session from {{.Created}}: no approval needed.", map[string]any{"Created": formatDay(e.Created, m.opts.Now())}))
	case flows.ResumeDeclined:
		m.connect.info(sentence(oneline.Sentence(say(e.Message()))))
	case flows.Retrying:
		msg := lang.L("The server asked to wait ({{.Reason}}); trying again in {{.Next}}.", map[string]any{"Reason": oneline.Clean(say(e.Reason), 300), "Next": e.Next.Round(time.Second).String()})
		if m.approve.active() {
			m.approve.statusL.SetText(msg)
		} else {
			m.connect.info(msg)
		}
	case flows.AccessGone: // the approval that follows replaces the step: say it above
		m.note(lang.L("The access is gone ({{.Reason}}): it must be approved again, and a new approval is starting.", map[string]any{"Reason": oneline.Clean(say(e.Reason), 300)}))
	case flows.SessionSaved:
		if e.Err != nil {
			m.note(bannerNote(e.Err))
		}
		m.connect.listSaved()
	case flows.SignedOut:
		m.conn = nil
		m.balances.countDown(time.Time{})
		m.connect.busy(false)
		m.connect.info(sentence(oneline.Sentence(say(e.Message()))))
		m.connect.listSaved()
		m.show(m.connect)
	case flows.Forgotten:
		if e.Err != nil {
			m.connect.showError(sayErr(e.Err))
		}
		m.connect.listSaved()
	case flows.Failed:
		m.conn = nil
		m.connect.busy(false)
		if m.approve.active() {
			m.approve.fail(e.Err)
			return
		}
		m.connect.showError(sayErr(e.Err))
		m.show(m.connect)
	}
}
