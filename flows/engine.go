package flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
)

// Environments a Target can name.
const (
	EnvSandbox    = "sandbox"
	EnvProduction = "production"
	EnvCustom     = "custom"
)

// Target is where to connect and as which partner.
type Target struct {
	Env          string // EnvSandbox, EnvProduction or EnvCustom
	APIBase      string // required for EnvCustom; overrides the others' base
	PublicAPIKey string
}

// Check finds what is wrong with t before anything is sent, as one line
// that says what to do.
func (t Target) Check() error {
	key := strings.TrimSpace(t.PublicAPIKey)
	switch {
	case t.Env != EnvSandbox && t.Env != EnvProduction && t.Env != EnvCustom:
		return fmt.Errorf("unknown environment %q: choose sandbox, production or a custom URL", t.Env)
	case t.Env == EnvCustom && strings.TrimSpace(t.APIBase) == "":
		return errors.New("enter the API base URL of your QEX server, e.g. https://partners.example")
	case key == "":
		return errors.New("enter your partner's public API key (it starts with pk_)")
	case !strings.HasPrefix(key, "pk_") || len(key) < 8 || strings.ContainsAny(key, " \t\r\n"):
		return fmt.Errorf("%q is not a public API key: they start with pk_ and have no spaces", key)
	}
	if t.APIBase != "" {
		if _, err := qex.ParseBaseURL(t.APIBase); err != nil {
			return err
		}
	}
	return nil
}

// Connection is a flow running in the background.
type Connection interface {
	// CheckNow checks the session at once (the user says they approved).
	CheckNow()
	// Cancel stops the flow; it reports Failed with a cancellation.
	Cancel()
}

// EngineConfig wires an Engine.
type EngineConfig struct {
	// StartSandbox starts the embedded sandbox and returns its base URL. The
	// engine calls it at most once, when a sandbox target first needs it.
	StartSandbox func() (string, error)
	OpenBrowser  func(url string) error
	Receiver     ReceiverFactory
	Timeout      time.Duration
	PollMin      time.Duration
	PollMax      time.Duration
	// OutFile, if set, receives the widget configuration of every flow that
	// completes (mode 0600).
	OutFile string
}

// Engine runs QEX flows for a front end that must never block on the
// network: every call returns at once and reports through events.
type Engine struct {
	cfg EngineConfig

	sandboxOnce sync.Once
	sandboxURL  string
	sandboxErr  error

	mu      sync.Mutex
	current *connected // the last session that completed a flow
}

type connected struct {
	client *qex.Client
	cred   qex.Credentials
}

// NewEngine returns an engine; nothing starts until Connect.
func NewEngine(cfg EngineConfig) *Engine { return &Engine{cfg: cfg} }

// ConfigWritten reports the outcome of writing the configuration to the
// engine's OutFile.
type ConfigWritten struct {
	Path string
	Err  error
}

func (e ConfigWritten) String() string {
	if e.Err != nil {
		return "could not write the widget configuration: " + e.Err.Error()
	}
	return "widget configuration written to " + e.Path
}

// RefreshFailed reports a balance refresh that did not work; the session
// and the balances shown stay as they were.
type RefreshFailed struct{ Err error }

func (e RefreshFailed) String() string { return "refresh failed: " + e.Err.Error() }

// baseURL resolves the API base a target talks to.
func (e *Engine) baseURL(t Target) (string, error) {
	switch {
	case t.APIBase != "":
		return t.APIBase, nil
	case t.Env == EnvProduction:
		return qex.ProductionBaseURL, nil
	case e.cfg.StartSandbox == nil:
		return "", errors.New("no embedded sandbox in this build: choose a custom URL")
	}
	e.sandboxOnce.Do(func() { e.sandboxURL, e.sandboxErr = e.cfg.StartSandbox() })
	return e.sandboxURL, e.sandboxErr
}

type connection struct {
	flow   *QEXFlow
	cancel context.CancelFunc
}

func (c *connection) CheckNow() {
	if c.flow != nil {
		c.flow.CheckNow()
	}
}

func (c *connection) Cancel() { c.cancel() }

// Connect starts a flow for t in the background. emit is called from other
// goroutines, in order, and the last event is WidgetConfigReady (then
// ConfigWritten with an OutFile) or Failed.
func (e *Engine) Connect(t Target, emit func(Event)) Connection {
	ctx, cancel := context.WithCancel(context.Background())
	conn := &connection{cancel: cancel}
	if err := t.Check(); err != nil {
		go emit(Failed{Err: err})
		return conn
	}
	base, err := e.baseURL(t)
	if err == nil {
		var client *qex.Client
		client, err = qex.NewClient(base, qex.WithHTTPClient(NewInspectingClient(emit, 30*time.Second)))
		if err == nil {
			conn.flow = NewQEXFlow(QEXConfig{
				Client: client, PublicAPIKey: strings.TrimSpace(t.PublicAPIKey),
				Receiver: e.cfg.Receiver, OpenBrowser: e.cfg.OpenBrowser,
				Timeout: e.cfg.Timeout, PollMin: e.cfg.PollMin, PollMax: e.cfg.PollMax,
			})
			go e.run(ctx, conn.flow, client, emit)
			return conn
		}
	}
	go emit(Failed{Err: err})
	return conn
}

func (e *Engine) run(ctx context.Context, flow *QEXFlow, client *qex.Client, emit func(Event)) {
	res, err := flow.Run(ctx, emit)
	if err != nil {
		return // Run reported Failed
	}
	e.mu.Lock()
	e.current = &connected{client: client, cred: res.Session.Credentials()}
	e.mu.Unlock()
	if e.cfg.OutFile != "" {
		emit(ConfigWritten{Path: e.cfg.OutFile, Err: res.WidgetConfig.WriteFile(e.cfg.OutFile)})
	}
}

// Refresh fetches the balances of the last connected session again, in the
// background: BalancesFetched or RefreshFailed follows.
func (e *Engine) Refresh(emit func(Event)) {
	e.mu.Lock()
	cur := e.current
	e.mu.Unlock()
	if cur == nil {
		go emit(RefreshFailed{Err: errors.New("not connected: connect first")})
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		accounts, err := cur.client.Accounts(ctx, cur.cred)
		if err != nil {
			emit(RefreshFailed{Err: err})
			return
		}
		emit(BalancesFetched{Accounts: accounts, At: time.Now()})
	}()
}

// OpenURL opens url with the engine's browser opener.
func (e *Engine) OpenURL(url string) error {
	if e.cfg.OpenBrowser == nil {
		return errors.New("no browser opener configured")
	}
	return e.cfg.OpenBrowser(url)
}
