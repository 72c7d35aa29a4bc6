package flows

import (
	"errors"
	"sync"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
	"github.com/qexcompanion/qex-companion/widgetcfg/host"
)

// WidgetHostReady: the widget page is served at URL (and was opened in the
// browser, unless OpenErr says why not).
type WidgetHostReady struct {
	URL     string
	OpenErr error
}

func (e WidgetHostReady) String() string {
	if e.OpenErr != nil {
		return "widget page at " + e.URL + " (open it yourself: " + e.OpenErr.Error() + ")"
	}
	return "widget page opened: " + e.URL
}

// WidgetEvent is an event the hosted widget emitted.
type WidgetEvent struct{ host.Event }

func (e WidgetEvent) String() string { return "widget " + e.Name + ": " + e.Summary() }

// WidgetRefused: the widget host refused a request (no token, foreign
// origin).
type WidgetRefused struct{ Reason string }

func (e WidgetRefused) String() string { return "widget host " + e.Reason }

// widgetHost is the engine's one widget page, started on first use.
type widgetHost struct {
	mu     sync.Mutex
	host   *host.Host
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
			ready.OpenErr = errors.New("no browser opener configured")
		}
		emit(ready)
	}()
}

// ServeWidget serves cfg on the widget page and returns its URL; events go
// to emit.
func (e *Engine) ServeWidget(cfg widgetcfg.Config, emit func(Event)) (string, error) {
	e.mu.Lock()
	cur := e.current
	e.mu.Unlock()
	if cur == nil {
		return "", errors.New("not connected: connect first, then open the widget")
	}
	w := &e.widget
	w.mu.Lock()
	defer w.mu.Unlock()
	w.config, w.emit = cfg, emit
	if w.host == nil {
		script := cur.client.BaseURL() + host.ScriptPath
		if cur.key.Env == EnvProduction && cur.client.BaseURL() == qex.ProductionBaseURL {
			script = host.ProductionScriptURL
		}
		h, err := host.Start(host.Options{
			ScriptURL:   script,
			Environment: map[string]string{EnvSandbox: "SANDBOX", EnvProduction: "PRODUCTION", EnvCustom: "CUSTOM"}[cur.key.Env],
			Config: func() widgetcfg.Config {
				w.mu.Lock()
				defer w.mu.Unlock()
				return w.config
			},
			OnEvent:   func(ev host.Event) { w.current()(WidgetEvent{ev}) },
			OnRefused: func(reason string) { w.current()(WidgetRefused{Reason: reason}) },
		})
		if err != nil {
			return "", err
		}
		w.host = h
	}
	return w.host.URL(), nil
}

func (w *widgetHost) current() func(Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.emit
}

// Close stops what the engine started: the widget page.
func (e *Engine) Close() {
	e.widget.mu.Lock()
	defer e.widget.mu.Unlock()
	if e.widget.host != nil {
		e.widget.host.Close()
		e.widget.host = nil
	}
}
