package flows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/privatefile"
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

// Target is what to connect to: a provider, where it runs, and the
// provider's inputs.
type Target struct {
	Provider string // a ProviderInfo.Name; empty means the engine's first provider
	Env      string // EnvSandbox, EnvProduction or EnvCustom
	APIBase  string // required for EnvCustom; overrides the others' base
	Inputs   Inputs
	// Callback picks the return address (a key of EngineConfig.Receivers);
	// empty means the engine's default Receiver.
	Callback string
}

// FieldError is a problem with one input of a target, named by Field: a
// provider field's Name, or "provider", "env", "api-base".
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Sandbox is the embedded emulator of every provider.
type Sandbox interface {
	// URL starts the sandbox on first use and returns where it serves the
	// provider named (a ProviderInfo.Name): its API base there.
	URL(provider string) (string, error)
	// Inputs are the sandbox's built-in credentials for a provider (the
	// sandbox partner key, its API token), filled in where a sandbox
	// target leaves a field empty. Valid once URL has succeeded.
	Inputs(provider string) Inputs
}

// Connection is a flow running in the background.
type Connection interface {
	// CheckNow checks at once whether the user approved (they say so).
	CheckNow()
	// Cancel stops the flow; it reports Failed with a cancellation.
	Cancel()
}

// EngineConfig wires an Engine.
type EngineConfig struct {
	// Providers are the systems the engine speaks; the first is the
	// default of a Target that names none.
	Providers []Provider
	// Sandbox, if set, serves the sandbox environment.
	Sandbox     Sandbox
	OpenBrowser func(url string) error
	// Receiver makes the return address when a target names none;
	// Receivers, the ones a target can name (a nil value: no return).
	Receiver  ReceiverFactory
	Receivers map[string]ReceiverFactory
	// Timeout bounds a whole connection, approval included.
	Timeout time.Duration
	PollMin time.Duration
	PollMax time.Duration
	// Until, if set, replaces context.WithDeadline for a time a server
	// names (an approval request's expiry): a test makes it pass when it
	// says, instead of waiting for the clock.
	Until func(ctx context.Context, at time.Time) (context.Context, context.CancelFunc)
	// OutFile, if set, receives the Output of every connection that
	// succeeds (mode 0600).
	OutFile string
	// Sessions, if set, saves approved sessions and resumes them.
	Sessions SessionStore
	// NoResume authorizes anew even when a session is saved.
	NoResume bool
	// Secrets, if set, keeps the secret inputs the user asks to remember
	// (a token secret typed in the window): the system keychain.
	Secrets SecretStore
}

// SecretStore is where remembered secret inputs are kept.
type SecretStore interface {
	Get(name string) (string, error)
	Set(name, secret string) error
	Delete(name string) error
}

// Engine runs flows for a front end that must never block on the network:
// Connect, Refresh, SignOut and Forget return at once and report through
// events.
type Engine struct {
	cfg EngineConfig

	mu      sync.Mutex
	current *connected // the last session that connected

	saving sync.Mutex // held while a session is being saved: saves land in order

	widget widgetHost

	// life ends when the engine closes: nothing it started outlives it.
	life      context.Context
	end       context.CancelFunc
	lingering sync.WaitGroup
}

// connected is a session that completed a flow or resumed.
type connected struct {
	key     SessionKey
	session Session
	result  *Result
}

// NewEngine returns an engine; nothing starts until Connect or Run.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = DefaultPollMin
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = max(DefaultPollMax, cfg.PollMin)
	}
	life, end := context.WithCancel(context.Background())
	return &Engine{cfg: cfg, life: life, end: end}
}

// Providers describes the providers the engine speaks, the default first.
func (e *Engine) Providers() []ProviderInfo {
	infos := make([]ProviderInfo, len(e.cfg.Providers))
	for i, p := range e.cfg.Providers {
		infos[i] = p.Info()
	}
	return infos
}

// Info describes the provider a target names ("" is the default one); an
// unknown name gets only its name.
func (e *Engine) Info(name string) ProviderInfo {
	p, err := e.provider(name)
	if err != nil {
		return ProviderInfo{Name: name, Title: name}
	}
	return p.Info()
}

func (e *Engine) provider(name string) (Provider, error) {
	if name == "" && len(e.cfg.Providers) > 0 {
		return e.cfg.Providers[0], nil
	}
	names := make([]string, len(e.cfg.Providers))
	for i, p := range e.cfg.Providers {
		if p.Info().Name == name {
			return p, nil
		}
		names[i] = p.Info().Name
	}
	return nil, &FieldError{Field: "provider", Err: msg.UnknownProvider.Err(msg.Args{"Name": name, "Choices": strings.Join(names, ", ")})}
}

// Check finds what is wrong with t before anything is sent, as a
// *FieldError whose text is one line that says what to do.
func (e *Engine) Check(t Target) error {
	p, err := e.provider(t.Provider)
	if err != nil {
		return err
	}
	info := p.Info()
	switch {
	case t.Env != EnvSandbox && t.Env != EnvProduction && t.Env != EnvCustom:
		return &FieldError{Field: "env", Err: msg.UnknownEnv.Err(msg.Args{"Env": t.Env})}
	case t.Env == EnvCustom && strings.TrimSpace(t.APIBase) == "":
		return &FieldError{Field: "api-base", Err: msg.EnterAPIBase.Err(msg.Args{"Example": info.ProductionBase})}
	case t.APIBase != "":
		if _, err := apihttp.ParseBaseURL(t.APIBase, info.ProductionBase); err != nil {
			return &FieldError{Field: "api-base", Err: err}
		}
	}
	builtIn := e.usesSandbox(t)
	for _, f := range info.Fields {
		v := strings.TrimSpace(t.Inputs[f.Name])
		switch {
		case v == "" && (builtIn || f.Optional || f.Default != ""):
			// The sandbox's own credentials, the default, or nothing.
		case len(f.Choices) > 0 && !slices.Contains(f.Choices, v):
			return &FieldError{Field: f.Name, Err: msg.NotAChoice.Err(msg.Args{"Field": f.label(), "Value": v, "Choices": strings.Join(f.Choices, " or ")})}
		case v == "":
			return &FieldError{Field: f.Name, Err: msg.EnterField.Err(msg.Args{"Field": f.label()})}
		case f.Check != nil:
			if err := f.Check(strings.TrimSpace(v)); err != nil {
				return &FieldError{Field: f.Name, Err: err}
			}
		}
	}
	return nil
}

// label is the field's label as a message parameter: the kind of its
// words inside a sentence ("public API key") when the catalogue has one,
// the label as it is otherwise.
func (f Field) label() any { return msg.FieldLabel(f.Label) }

// usesSandbox tells whether t runs on the embedded sandbox.
func (e *Engine) usesSandbox(t Target) bool {
	return t.Env == EnvSandbox && t.APIBase == "" && e.cfg.Sandbox != nil
}

// baseURL resolves the API base a target talks to.
func (e *Engine) baseURL(t Target, info ProviderInfo) (string, error) {
	switch {
	case t.APIBase != "":
		u, err := apihttp.ParseBaseURL(t.APIBase, info.ProductionBase)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	case t.Env == EnvProduction:
		return info.ProductionBase, nil
	case e.cfg.Sandbox == nil:
		return "", msg.NoSandbox.Err(nil)
	}
	base, err := e.cfg.Sandbox.URL(info.Name)
	if err != nil {
		return "", msg.SandboxFailed.Err(msg.Args{"Err": err}, err)
	}
	return base, nil
}

// inputs are t's inputs, trimmed, with the sandbox's built-in credentials
// where a sandbox target leaves a field empty.
func (e *Engine) inputs(t Target, info ProviderInfo) Inputs {
	in := Inputs{}
	for _, f := range info.Fields {
		in[f.Name] = strings.TrimSpace(t.Inputs[f.Name])
		if in[f.Name] == "" && e.usesSandbox(t) {
			in[f.Name] = e.cfg.Sandbox.Inputs(info.Name)[f.Name]
		}
		if in[f.Name] == "" {
			in[f.Name] = f.Default
		}
	}
	return in
}

// SessionKey is the key t's session is saved under: provider, environment,
// API base (EmbeddedAPIBase for the sandbox, whose port changes every
// launch) and the value of the provider's Account field.
func (e *Engine) SessionKey(t Target) SessionKey {
	p, err := e.provider(t.Provider)
	if err != nil {
		return SessionKey{}
	}
	info := p.Info()
	k := SessionKey{Provider: info.Name, Env: t.Env, APIBase: EmbeddedAPIBase}
	switch {
	case t.APIBase != "":
		k.APIBase = strings.TrimSpace(t.APIBase)
		if u, err := apihttp.ParseBaseURL(t.APIBase, info.ProductionBase); err == nil {
			k.APIBase = u.String()
		}
	case t.Env == EnvProduction:
		k.APIBase = info.ProductionBase
	}
	for _, f := range info.Fields {
		if !f.Account {
			continue
		}
		// The account the user named; the sandbox's own when they named
		// none, under a name that stays the same from launch to launch
		// (its values, a broker's URL say, need not).
		k.Account = strings.TrimSpace(t.Inputs[f.Name])
		if k.Account == "" && e.usesSandbox(t) {
			k.Account = EmbeddedAPIBase
		}
	}
	return k
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
		e.run(ctx, t, conn.checkNow, true, emit) //nolint:errcheck // reported through emit
	}()
	return conn
}

// Run connects to t: it resumes the session saved for t when it still
// works, and otherwise has the user approve a new one and saves it. The
// last event is ResultReady (then WidgetConfigReady for a widget, and
// ConfigWritten with an OutFile) or Failed.
func (e *Engine) Run(ctx context.Context, t Target, emit func(Event)) (*Result, error) {
	return e.run(ctx, t, nil, true, emit)
}

// Open connects to t as Run does but fetches no result: for a caller that
// sends only its own requests (--call), so what it asks for is not also
// fetched for a result nobody reads. The last event is Failed, or
// SessionSaved for a new session.
func (e *Engine) Open(ctx context.Context, t Target, emit func(Event)) error {
	_, err := e.run(ctx, t, nil, false, emit)
	return err
}

func (e *Engine) run(ctx context.Context, t Target, checkNow <-chan struct{}, fetch bool, emit func(Event)) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	res, err := e.connect(ctx, t, checkNow, fetch, emit)
	if err != nil {
		err = e.ended(ctx, err)
		emit(Failed{Err: err})
		return nil, err
	}
	return res, nil
}

// ended names what stopped a connection that failed: the user's cancel,
// the deadline (with the call it cut short), or err itself.
func (e *Engine) ended(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, ErrTimeout):
		return err // Await said what the time went on
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return msg.TimedOutAfter.Err(msg.Args{"After": e.cfg.Timeout, "Err": err}, ErrTimeout, err)
	case ctx.Err() != nil:
		return errCancelled
	}
	return err
}

func (e *Engine) connect(ctx context.Context, t Target, checkNow <-chan struct{}, fetch bool, emit func(Event)) (*Result, error) {
	if err := e.Check(t); err != nil {
		return nil, err
	}
	p, _ := e.provider(t.Provider)
	rt, err := e.runtime(t, p.Info(), checkNow, emit)
	if err != nil {
		return nil, err
	}
	in := e.inputs(t, p.Info())
	key := e.SessionKey(t)
	var sess Session
	if e.cfg.Sessions != nil && !e.cfg.NoResume {
		if sess, err = e.resume(ctx, p, rt, in, key, emit); err != nil {
			return nil, err
		}
	}
	resumed := sess != nil
	var res *Result
	for again := false; ; again = true {
		if !resumed {
			sess, err = retrying(ctx, emit, func() (Session, error) { return p.Authorize(ctx, rt, in) })
		}
		if err == nil && fetch {
			res, err = retrying(ctx, emit, func() (*Result, error) { return sess.Fetch(ctx) })
		}
		if !IsGone(err) || again || ctx.Err() != nil {
			break
		}
		// The access ended as soon as it was granted, or its renewal was
		// refused: forget it, and have the user approve anew, once, when
		// a browser can show them the page.
		if resumed && e.cfg.Sessions != nil {
			e.cfg.Sessions.Forget(key) //nolint:errcheck // reported by the store's next use
		}
		if e.cfg.OpenBrowser == nil {
			err = msg.ApproveAgainStart.Err(msg.Args{"Err": err}, err)
			break
		}
		emit(AccessGone{Reason: msg.FromError(err)})
		resumed = false
	}
	if err != nil {
		return nil, err
	}
	var saved func() error
	if !resumed && e.cfg.Sessions != nil {
		// Saved while the result is shown, not before: the keychain takes
		// a D-Bus round trip and a rewrite of its file at best, and waits
		// on an unlock prompt at worst. SessionSaved still follows the
		// result, and the run ends only once the save has.
		saved = e.saveInBackground(key, sess)
	}
	if fetch {
		e.finish(&connected{key: key, session: sess, result: res}, emit)
	} else {
		e.mu.Lock()
		e.current = &connected{key: key, session: sess}
		e.mu.Unlock()
	}
	if saved != nil {
		emit(e.saved(saved()))
	}
	return res, nil
}

// runtime is what p's flow for t may use.
func (e *Engine) runtime(t Target, info ProviderInfo, checkNow <-chan struct{}, emit func(Event)) (*Runtime, error) {
	base, err := e.baseURL(t, info)
	if err != nil {
		return nil, err
	}
	receiver := e.cfg.Receiver
	if t.Callback != "" {
		r, ok := e.cfg.Receivers[t.Callback]
		if !ok {
			return nil, &FieldError{Field: "callback", Err: msg.UnknownCallback.Err(msg.Args{"Mode": t.Callback})}
		}
		receiver = r
	}
	var resave func(Session)
	if e.cfg.Sessions != nil {
		key := e.SessionKey(t)
		resave = func(s Session) { emit(e.saved(e.save(key, s))) }
	}
	until := e.cfg.Until
	if until == nil {
		until = context.WithDeadline
	}
	return &Runtime{
		APIBase:     base,
		HTTP:        NewInspectingClient(emit, 30*time.Second),
		OpenBrowser: e.cfg.OpenBrowser,
		Receiver:    receiver,
		Emit:        emit,
		Now:         time.Now,
		Until:       until,
		Timeout:     e.cfg.Timeout,
		PollMin:     e.cfg.PollMin,
		PollMax:     e.cfg.PollMax,
		checkNow:    checkNow,
		life:        e.life,
		lingering:   &e.lingering,
		resave:      resave,
	}, nil
}

// finish makes c the current session and reports its result.
func (e *Engine) finish(c *connected, emit func(Event)) {
	e.mu.Lock()
	e.current = c
	e.mu.Unlock()
	if c.result.Balances != nil {
		emit(BalancesFetched{Balances: c.result.Balances, At: time.Now()})
	}
	emit(ResultReady{Result: c.result})
	if c.result.Widget != nil {
		emit(WidgetConfigReady{Config: c.result.Widget.Config})
	}
	if e.cfg.OutFile != "" {
		emit(ConfigWritten{Path: e.cfg.OutFile, Err: privatefile.Write(e.cfg.OutFile, c.result.Output)})
	}
}

func (e *Engine) currentSession() *connected {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.current
}

// Refresh fetches the current session's result again, in the background:
// BalancesFetched (when it has balances) and ResultUpdated, or
// RefreshFailed, follow.
func (e *Engine) Refresh(emit func(Event)) { e.refresh(false, emit) }

// RefreshToken renews the current session's access token now (for a
// provider whose sessions are TokenRefresher), then fetches as Refresh
// does.
func (e *Engine) RefreshToken(emit func(Event)) { e.refresh(true, emit) }

func (e *Engine) refresh(token bool, emit func(Event)) {
	cur := e.currentSession()
	if cur == nil {
		go emit(RefreshFailed{Err: msg.NotConnected.Err(nil)})
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if token {
			refresher, ok := cur.session.(TokenRefresher)
			if !ok {
				emit(RefreshFailed{Err: msg.NoTokenToRefresh.Err(nil)})
				return
			}
			if err := refresher.RefreshToken(ctx); err != nil {
				emit(RefreshFailed{Err: err})
				return
			}
			if e.cfg.Sessions != nil { // a refreshed token replaces the saved one at once
				emit(e.saved(e.save(cur.key, cur.session)))
			}
		}
		res, err := cur.session.Fetch(ctx)
		if err != nil {
			emit(RefreshFailed{Err: err})
			return
		}
		e.mu.Lock()
		if e.current == cur { // not signed out or replaced meanwhile
			e.current = &connected{key: cur.key, session: cur.session, result: res}
		}
		e.mu.Unlock()
		if res.Balances != nil {
			emit(BalancesFetched{Balances: res.Balances, At: time.Now()})
		}
		emit(ResultUpdated{Result: res})
	}()
}

// Call sends one request with the current session's own authentication
// (--call); pathQuery is relative to the provider's API base.
func (e *Engine) Call(ctx context.Context, method, pathQuery string, body []byte) (*CallResponse, error) {
	cur := e.currentSession()
	if cur == nil {
		return nil, msg.NotConnected.Err(nil)
	}
	method = strings.ToUpper(strings.TrimSpace(method))
	if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) {
		return nil, msg.BadMethod.Err(msg.Args{"Method": method})
	}
	if !strings.HasPrefix(pathQuery, "/") {
		return nil, msg.BadPath.Err(msg.Args{"Path": pathQuery})
	}
	for tries := 0; ; tries++ {
		start := time.Now()
		resp, err := cur.session.Call(ctx, method, pathQuery, body)
		if IsGone(err) {
			e.forgetCurrent(cur)
			return nil, msg.ApproveAgainConnect.Err(msg.Args{"Err": err}, err)
		}
		if err != nil {
			return nil, err
		}
		resp.Latency = time.Since(start)
		// The server asked to be called again later: wait as it asked.
		status := TransientStatus(resp.Status)
		wait := max(apihttp.RetryAfter(resp.Header.Get("Retry-After"), time.Now()), minRetryWait)
		if status == 0 || tries >= retries(status) || !fits(ctx, wait) || !sleep(ctx, wait) {
			return resp, nil
		}
	}
}

// forgetCurrent drops cur, whose access is gone, here and in the
// keychain.
func (e *Engine) forgetCurrent(cur *connected) {
	e.mu.Lock()
	if e.current == cur {
		e.current = nil
	}
	e.mu.Unlock()
	if e.cfg.Sessions != nil {
		e.cfg.Sessions.Forget(cur.key) //nolint:errcheck // reported by the store's next use
	}
}

// OpenURL opens url with the engine's browser opener.
func (e *Engine) OpenURL(url string) error {
	if e.cfg.OpenBrowser == nil {
		return msg.NoBrowserOpener.Err(nil)
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
		go emit(SignedOut{RemoteErr: msg.NotConnectedSimply.Err(nil)})
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		out, _ := e.endSession(ctx, cur.key, cur.session, nil) // keychain trouble was reported when saving
		emit(out)
	}()
}

// SignOutSaved ends the session saved for t (headless --sign-out): on the
// server if it can be reached, and here in any case.
func (e *Engine) SignOutSaved(ctx context.Context, t Target) (SignedOut, error) {
	if err := e.Check(t); err != nil {
		return SignedOut{}, err
	}
	if e.cfg.Sessions == nil {
		return SignedOut{}, msg.NoSessionStorage.Err(nil)
	}
	p, _ := e.provider(t.Provider)
	key := e.SessionKey(t)
	blob, _, err := e.cfg.Sessions.Load(key)
	if err != nil {
		return SignedOut{Key: key}, err
	}
	rt, err := e.runtime(t, p.Info(), nil, func(Event) {})
	var sess Session
	if err == nil {
		sess, err = p.Restore(ctx, rt, e.inputs(t, p.Info()), blob)
	}
	if IsGone(err) {
		err = nil // already over there
	}
	return e.endSession(ctx, key, sess, err)
}

// endSession ends a session on the server (unless there is none to end, for
// reachErr) and forgets it here in any case.
func (e *Engine) endSession(ctx context.Context, key SessionKey, sess Session, reachErr error) (SignedOut, error) {
	out := SignedOut{Key: key, RemoteErr: reachErr}
	if sess != nil {
		out.RemoteErr = sess.End(ctx)
	}
	if IsGone(out.RemoteErr) {
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

// inputEntry names a remembered secret input in the SecretStore.
func inputEntry(provider, field string) string { return "input " + provider + " " + field }

// RememberedInputs returns a provider's remembered secret inputs, by field
// name. It may wait on the keychain (seconds, at worst): call it off the
// UI thread.
func (e *Engine) RememberedInputs(provider string) Inputs {
	in := Inputs{}
	p, err := e.provider(provider)
	if err != nil || e.cfg.Secrets == nil {
		return in
	}
	for _, f := range p.Info().Fields {
		if f.Secret {
			if v, err := e.cfg.Secrets.Get(inputEntry(provider, f.Name)); err == nil && v != "" {
				in[f.Name] = v
			}
		}
	}
	return in
}

// RememberInputs keeps t's non-empty secret inputs in the keychain, or
// forgets them all (remember false), in the background; trouble is
// reported as a SessionSaved-like note through emit.
func (e *Engine) RememberInputs(t Target, remember bool, emit func(Event)) {
	p, err := e.provider(t.Provider)
	if err != nil || e.cfg.Secrets == nil {
		return
	}
	go func() {
		for _, f := range p.Info().Fields {
			if !f.Secret {
				continue
			}
			name := inputEntry(p.Info().Name, f.Name)
			v := strings.TrimSpace(t.Inputs[f.Name])
			var err error
			switch {
			case remember && v != "":
				err = e.cfg.Secrets.Set(name, v)
			case !remember:
				err = e.cfg.Secrets.Delete(name)
			}
			if err != nil {
				emit(InputNotRemembered{Label: f.Label, Err: err})
			}
		}
	}()
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
