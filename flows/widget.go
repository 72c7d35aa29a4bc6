package flows

import (
	"strings"
	"sync"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/widgetcfg"
	"github.com/qexcompanion/qex-companion/widgetcfg/host"
)

// WidgetHostReady: the widget page is served, and URL is a one-time link
// to it (opened in the browser, unless OpenErr says why not).
type WidgetHostReady struct {
	URL     string
	OpenErr error
}

// String names the page without the link's one-time launch nonce, which
// is a credential until spent.
func (e WidgetHostReady) String() string { return e.Message().String() }

func (e WidgetHostReady) Message() msg.Message {
	page, _, _ := strings.Cut(e.URL, "#")
	if e.OpenErr != nil {
		return msg.EventWidgetNotOpened.New(msg.Args{"Page": page, "Err": e.OpenErr})
	}
	return msg.EventWidgetOpened.New(msg.Args{"Page": page})
}

// WidgetEvent is an event the hosted widget emitted.
type WidgetEvent struct{ host.Event }

func (e WidgetEvent) String() string { return e.Message().String() }

func (e WidgetEvent) Message() msg.Message {
	return msg.EventWidget.New(msg.Args{"Name": e.Name, "Summary": msg.Detail(e.Summary())})
}

// WidgetRefused: the widget host refused a request (a spent launch link,
// no token, a foreign origin, an oversize body).
type WidgetRefused struct{ Reason msg.Message }

func (e WidgetRefused) String() string { return e.Message().String() }

func (e WidgetRefused) Message() msg.Message {
	return msg.EventWidgetRefused.New(msg.Args{"Reason": e.Reason})
}

// widgetHost is the engine's one widget page, started on first use and
// again when the connected server's widget script or environment changes.
type widgetHost struct {
	mu     sync.Mutex
	host   *host.Host
	served host.Options // the script and environment host serves
	config widgetcfg.Config
	emit   func(Event)
}

// OpenWidget serves cfg on the widget page (starting it on first use, for
// the connected server's widget script) and opens it in the browser, in the
// background: WidgetHostReady follows, then a WidgetEvent for every event
// the widget emits. Later calls show the newest cfg on the same page.
func (e *Engine) OpenWidget(cfg widgetcfg.Config, emit func(Event)) {
	go func() {
		url, err := e.ServeWidget(cfg, emit)
		if err != nil {
			emit(Failed{Err: err})
			return
		}
		ready := WidgetHostReady{URL: url}
		if e.cfg.OpenBrowser != nil {
			ready.OpenErr = e.cfg.OpenBrowser(url)
		} else {
			ready.OpenErr = msg.NoBrowserOpener.Err(nil)
		}
		emit(ready)
	}()
}

// ServeWidget serves cfg on the widget page and returns a new one-time link
// to it, for one browser to open; events go to emit. After connecting to
// another server, the page is a new one, with that server's script.
func (e *Engine) ServeWidget(cfg widgetcfg.Config, emit func(Event)) (string, error) {
	cur := e.currentSession()
	if cur == nil || cur.result.Widget == nil {
		return "", msg.NotConnectedWidget.Err(nil)
	}
	w := &e.widget
	w.mu.Lock()
	defer w.mu.Unlock()
	w.config, w.emit = cfg, emit
	script := cur.result.Widget.ScriptURL
	env := map[string]string{EnvSandbox: "SANDBOX", EnvProduction: "PRODUCTION", EnvCustom: "CUSTOM"}[cur.key.Env]
	if w.host != nil && (w.served.ScriptURL != script || w.served.Environment != env) {
		w.host.Close() // the old server's page: its links stop working
		w.host = nil
	}
	if w.host == nil {
		h, err := host.Start(host.Options{
			ScriptURL:   script,
			Environment: env,
			Config: func() widgetcfg.Config {
				w.mu.Lock()
				defer w.mu.Unlock()
				return w.config
			},
			OnEvent:   func(ev host.Event) { w.current()(WidgetEvent{ev}) },
			OnRefused: func(reason msg.Message) { w.current()(WidgetRefused{Reason: reason}) },
		})
		if err != nil {
			return "", err
		}
		w.host, w.served = h, host.Options{ScriptURL: script, Environment: env}
	}
	return w.host.LaunchURL(), nil
}

func (w *widgetHost) current() func(Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.emit
}

// Close stops what the engine started: the widget page, and return
// addresses still answering a browser on its way back (a page being
// written gets its few milliseconds first, so a process that exits right
// after a flow does not cut off the browser it told to come back).
func (e *Engine) Close() {
	e.end()
	e.lingering.Wait()
	e.widget.mu.Lock()
	defer e.widget.mu.Unlock()
	if e.widget.host != nil {
		e.widget.host.Close()
		e.widget.host = nil
	}
}
