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

// How the browser comes back to the app after approval.
const (
	CallbackLoopback = "loopback" // a local HTTP port (the desktop default)
	CallbackDeepLink = "deeplink" // the io.qexcompanion.app: scheme
	CallbackNone     = "none"     // no return: polling and "I've approved"
)

// Target is where to connect and as which partner.
type Target struct {
	Env          string // EnvSandbox, EnvProduction or EnvCustom
	APIBase      string // required for EnvCustom; overrides the others' base
	PublicAPIKey string
	// Callback picks the return address (a key of EngineConfig.Receivers);
	// empty means the engine's default Receiver.
	Callback string
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
	}
	if err := CheckPublicAPIKey(key); err != nil {
		return err
	}
	if t.APIBase != "" {
		if _, err := qex.ParseBaseURL(t.APIBase); err != nil {
			return err
		}
	}
	return nil
}

// Bounds of a public API key's length; the sandbox's is 47 characters.
const (
	minPublicAPIKey = 8
	maxPublicAPIKey = 200
)

// CheckPublicAPIKey is the one rule for a partner's public API key, wherever
// one is typed: pk_, then only ASCII letters, digits, _ and -, 8 to 200
// characters in all. The key goes into every request and the widget
// configuration, so anything else is a paste gone wrong.
func CheckPublicAPIKey(key string) error {
	valid := strings.HasPrefix(key, "pk_") && len(key) >= minPublicAPIKey && len(key) <= maxPublicAPIKey
	for _, c := range []byte(key) {
		valid = valid && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-')
	}
	if valid {
		return nil
	}
	shown := fmt.Sprintf("%q", key)
	if len(key) > maxPublicAPIKey {
		shown = fmt.Sprintf("a %d-character key", len(key))
	}
	return fmt.Errorf("%s is not a public API key: they start with pk_ and have %d to %d letters, digits, _ or -", shown, minPublicAPIKey, maxPublicAPIKey)
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
	// Receiver makes the return address when a target names none;
	// Receivers, the ones a target can name (a nil value: no return).
	Receiver  ReceiverFactory
	Receivers map[string]ReceiverFactory
	Timeout   time.Duration
	PollMin   time.Duration
	PollMax   time.Duration
	// OutFile, if set, receives the widget configuration of every flow that
	// completes (mode 0600).
	OutFile string
	// Sessions, if set, saves approved sessions and resumes them.
	Sessions SessionStore
	// NoResume starts a new session even when one is saved.
	NoResume bool
}

// Engine runs QEX flows for a front end that must never block on the
// network: every call returns at once and reports through events.
type Engine struct {
	cfg EngineConfig

	sandboxOnce sync.Once
	sandboxURL  string
	sandboxErr  error

	mu      sync.Mutex
	current *connected // the last session that completed a flow or resumed

	widget widgetHost
}

type connected struct {
	key    SessionKey
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

// SessionKey is the key a target's session is saved under.
func (e *Engine) SessionKey(t Target) SessionKey {
	base := t.APIBase
	switch {
	case base != "":
		if u, err := qex.ParseBaseURL(base); err == nil {
			base = u.String()
		}
	case t.Env == EnvProduction:
		base = qex.ProductionBaseURL
	default:
		base = EmbeddedAPIBase
	}
	return SessionKey{Env: t.Env, APIBase: base, PublicAPIKey: strings.TrimSpace(t.PublicAPIKey)}
}

type connection struct {
	checkNow chan struct{}
	cancel   context.CancelFunc
}

func (c *connection) CheckNow() {
	select {
	case c.checkNow <- struct{}{}:
	default:
	}
}

func (c *connection) Cancel() { c.cancel() }

// Connect runs Run in the background. emit is called from another
// goroutine, in order.
func (e *Engine) Connect(t Target, emit func(Event)) Connection {
	ctx, cancel := context.WithCancel(context.Background())
	conn := &connection{checkNow: make(chan struct{}, 1), cancel: cancel}
	go func() {
		defer cancel()
		e.run(ctx, t, conn.checkNow, emit) //nolint:errcheck // reported through emit
	}()
	return conn
}

// Run connects to t: it resumes the session saved for t when it still
// works, and otherwise runs a new flow and saves its session. The last event
// is WidgetConfigReady (then ConfigWritten with an OutFile) or Failed.
func (e *Engine) Run(ctx context.Context, t Target, emit func(Event)) (*QEXResult, error) {
	return e.run(ctx, t, nil, emit)
}

func (e *Engine) run(ctx context.Context, t Target, checkNow <-chan struct{}, emit func(Event)) (*QEXResult, error) {
	fail := func(err error) (*QEXResult, error) {
		emit(Failed{Err: err})
		return nil, err
	}
	if err := t.Check(); err != nil {
		return fail(err)
	}
	base, err := e.baseURL(t)
	if err != nil {
		return fail(err)
	}
	client, err := qex.NewClient(base, qex.WithHTTPClient(NewInspectingClient(emit, 30*time.Second)))
	if err != nil {
		return fail(err)
	}
	receiver := e.cfg.Receiver
	if t.Callback != "" {
		r, ok := e.cfg.Receivers[t.Callback]
		if !ok {
			return fail(fmt.Errorf("unknown callback mode %q: choose loopback, deeplink or none", t.Callback))
		}
		receiver = r
	}
	key := e.SessionKey(t)
	if e.cfg.Sessions != nil && !e.cfg.NoResume {
		res, done, err := e.resume(ctx, key, client, emit)
		if err != nil {
			return fail(err)
		}
		if done {
			e.finish(key, client, res, emit)
			return res, nil
		}
	}
	flow := NewQEXFlow(QEXConfig{
		Client: client, PublicAPIKey: key.PublicAPIKey,
		Receiver: receiver, OpenBrowser: e.cfg.OpenBrowser,
		Timeout: e.cfg.Timeout, PollMin: e.cfg.PollMin, PollMax: e.cfg.PollMax,
	})
	if checkNow != nil {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-checkNow:
					flow.CheckNow()
				}
			}
		}()
	}
	res, err := flow.Run(ctx, emit)
	if err != nil {
		return nil, err // Run reported Failed
	}
	if e.cfg.Sessions != nil {
		emit(SessionSaved{Err: e.cfg.Sessions.Save(key, res.Session.Credentials(), time.Now())})
	}
	e.finish(key, client, res, emit)
	return res, nil
}

// finish records the session a flow ended with, and writes OutFile.
func (e *Engine) finish(key SessionKey, client *qex.Client, res *QEXResult, emit func(Event)) {
	e.mu.Lock()
	e.current = &connected{key: key, client: client, cred: res.Session.Credentials()}
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

// SignOut ends the current session on the server and forgets it here, in
// the background; SignedOut follows. When the server cannot be told, the
// session is still forgotten here.
func (e *Engine) SignOut(emit func(Event)) {
	e.mu.Lock()
	cur := e.current
	e.current = nil
	e.mu.Unlock()
	if cur == nil {
		go emit(SignedOut{RemoteErr: errors.New("not connected")})
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		out, _ := e.endSession(ctx, cur.key, cur.cred, cur.client, nil) // keychain trouble was reported when saving
		emit(out)
	}()
}

// SignOutSaved ends the session saved for t (headless --sign-out): on the
// server if it can be reached, and here in any case.
func (e *Engine) SignOutSaved(ctx context.Context, t Target) (SignedOut, error) {
	if err := t.Check(); err != nil {
		return SignedOut{}, err
	}
	if e.cfg.Sessions == nil {
		return SignedOut{}, errors.New("no session storage")
	}
	key := e.SessionKey(t)
	cred, _, err := e.cfg.Sessions.Load(key)
	if err != nil {
		return SignedOut{Key: key}, err
	}
	var client *qex.Client
	base, err := e.baseURL(t)
	if err == nil {
		client, err = qex.NewClient(base)
	}
	return e.endSession(ctx, key, cred, client, err)
}

// endSession terminates a session on the server (unless there is no client
// to do it, for clientErr) and forgets it here in any case.
func (e *Engine) endSession(ctx context.Context, key SessionKey, cred qex.Credentials, client *qex.Client, clientErr error) (SignedOut, error) {
	out := SignedOut{Key: key, RemoteErr: clientErr}
	if client != nil {
		out.RemoteErr = client.Terminate(ctx, cred)
	}
	if qex.IsNotFound(out.RemoteErr) {
		out.RemoteErr = nil // already ended there
	}
	var err error
	if e.cfg.Sessions != nil {
		err = e.cfg.Sessions.Forget(key)
	}
	return out, err
}

// SavedSessions lists the saved sessions, most recently used first.
func (e *Engine) SavedSessions() []SavedSession {
	if e.cfg.Sessions == nil {
		return nil
	}
	return e.cfg.Sessions.List()
}

// Forget deletes a saved session from this device, in the background;
// Forgotten follows.
func (e *Engine) Forget(k SessionKey, emit func(Event)) {
	go func() {
		var err error
		if e.cfg.Sessions != nil {
			err = e.cfg.Sessions.Forget(k)
		}
		emit(Forgotten{Key: k, Err: err})
	}()
}
