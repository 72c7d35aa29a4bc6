package flows

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Provider is one authorization system the app speaks (QEX partner
// sessions, Liquid OAuth requests, ...). A provider package implements it
// with its own client; the engine, the window and the terminal printer know
// only this interface and the provider-neutral results below.
type Provider interface {
	// Info describes the provider: its name, inputs and where it lives.
	Info() ProviderInfo
	// Authorize has the user approve access, reporting each step through
	// rt.Emit, and returns the connected session.
	Authorize(ctx context.Context, rt *Runtime, in Inputs) (Session, error)
	// Restore rebuilds a session from what Session.Saved returned in an
	// earlier run, checking it with the server. An error marked by Gone
	// means the server no longer knows it: it is forgotten.
	Restore(ctx context.Context, rt *Runtime, in Inputs, saved []byte) (Session, error)
}

// ProviderInfo describes a provider to front ends.
type ProviderInfo struct {
	Name  string // the --provider value, e.g. "qex"
	Title string // for people, e.g. "QEX partner session"
	// Brand is the name people know the service by, as the Connect button
	// says it: "Connect with Liquid".
	Brand          string
	ProductionBase string // the production API base URL
	Fields         []Field
	// Widget says its results carry a widget configuration (QEX).
	Widget bool
}

// Field is one input a provider needs, such as a public API key or a token
// secret.
type Field struct {
	Name  string // key in Inputs, also the command-line flag without "--"
	Label string // for the window
	// Placeholder shows what a value looks like, in an empty field.
	Placeholder string
	// Secret fields come from EnvVar in a terminal (never a flag: shell
	// history and ps show flags) and a password field in the window; they
	// are kept only in the keychain.
	Secret bool
	EnvVar string
	// Account marks the field that names whose access is saved (the
	// partner key, the token id): saved sessions are keyed by it.
	Account bool
	// Optional fields may stay empty.
	Optional bool
	// Choices, when set, are the only values accepted (a picker in the
	// window); Default is the value of an empty field.
	Choices []string
	Default string
	// Check finds what is wrong with a value, as one line that says what
	// to do; nil accepts anything non-empty.
	Check func(value string) error
}

// Inputs are a provider's field values, by Field.Name.
type Inputs map[string]string

// Session is an authorized connection to one provider.
type Session interface {
	// Fetch reads what the provider shows for the user: profile, balances,
	// artifacts such as the widget configuration.
	Fetch(ctx context.Context) (*Result, error)
	// Call sends one request with the session's own authentication
	// (--call), pathQuery relative to the provider's API base.
	Call(ctx context.Context, method, pathQuery string, body []byte) (*CallResponse, error)
	// End ends the session on the server, where the provider can.
	End(ctx context.Context) error
	// Saved is what the keychain keeps to Restore the session later: a
	// small, provider-versioned blob holding secrets.
	Saved() ([]byte, error)
}

// TokenRefresher is a Session whose access token can be renewed on demand
// (the window's Refresh now); sessions refresh on their own when needed.
type TokenRefresher interface {
	RefreshToken(ctx context.Context) error
}

// Result is what a connected session shows, provider-neutral.
type Result struct {
	Provider string
	Profile  []Fact    // facts about the user or the grant, in order
	Balances *Balances // nil when the provider has no balances
	// Widget is the QEX widget the result can open; nil for others.
	Widget *Widget
	// Expires is when the access shown ends (a token's expiry), for a
	// countdown; zero when it does not apply.
	Expires time.Time
	// Output is what the terminal prints on stdout: one JSON document.
	Output []byte
}

// Widget is a partner widget a result can open: its identity
// configuration (which holds a secret) and the script that draws it.
type Widget struct {
	Config    widgetcfg.Config
	ScriptURL string
}

// Fact is one labelled value of a profile, e.g. {"Email", "a@b.jp"}.
// A Secret fact (a token the user may need to copy) is masked until the
// user asks to see it, and never printed by the terminal front end. A Word
// fact's value is the app's own word ("yes", a grant's name), not the
// server's text, so the window translates it as it does a label. A fact
// with a time At is that moment, which the window writes in its language
// (Value is how the terminal writes it).
type Fact struct {
	Label, Value string
	Secret, Word bool
	At           time.Time
}

// YesNo is a yes-or-no fact.
func YesNo(label string, yes bool) Fact {
	return Fact{Label: label, Value: map[bool]string{true: "yes", false: "no"}[yes], Word: true}
}

// Balances are a user's accounts, amounts exactly as the server sent them.
type Balances struct {
	Accounts []Account
}

// Account is one balance, amounts exactly as the server sent them.
type Account struct {
	Currency string
	Symbol   string
	Balance  Decimal
	Reserved Decimal
	Type     string // crypto, fiat, ...
}

// CallResponse is the answer to Session.Call.
type CallResponse struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration // set by Engine.Call
}

// maxShownBody bounds what a console shows of an answer's body, so a large
// one stays responsive.
const maxShownBody = 256 << 10

// Shown is the answer as people may see it: headers and a pretty-printed
// body, with every secret redacted as in the inspector, the body cut at
// 256 KiB.
func (r *CallResponse) Shown() (headers, body string) {
	raw, cut := r.Body, false
	if len(raw) > maxShownBody {
		raw, cut = raw[:maxShownBody], true
	}
	body = redactBodyOf(r.Header.Get("Content-Type"), raw)
	if cut {
		body += msg.BodyCut.New(msg.Args{"Size": len(r.Body)}).String()
	}
	return redactHeaders(r.Header), body
}

// Runtime is what a provider's flow may use: the app's HTTP client (which
// reports every exchange to the inspector), the browser, the return
// address, the event stream, and the clock and polling settings.
type Runtime struct {
	APIBase     string // the resolved API base (the sandbox's, production's or custom)
	HTTP        *http.Client
	OpenBrowser func(url string) error // nil: only show the URL
	Receiver    ReceiverFactory        // nil: no return address, polling only
	Emit        func(Event)
	Now         func() time.Time
	// Until is ctx ending at a time a server named, such as the expiry of
	// what the user is to approve.
	Until     func(ctx context.Context, at time.Time) (context.Context, context.CancelFunc)
	Timeout   time.Duration // what the whole flow may take, for messages
	PollMin   time.Duration
	PollMax   time.Duration
	checkNow  <-chan struct{}
	life      context.Context // done when the engine closes
	lingering *sync.WaitGroup // return addresses still answering, for the engine's Close
	resave    func(Session)   // saves a session again under its key; nil: nothing saved
}

// SessionChanged tells the engine that s's Saved blob changed on its own
// (an automatic refresh rotated its refresh token), so the keychain gets
// the new one at once: the old one no longer works.
func (rt *Runtime) SessionChanged(s Session) {
	if rt.resave != nil {
		rt.resave(s)
	}
}

// receive starts the return address, reporting trouble: nil when there is
// none (approval is then noticed by polling).
func (rt *Runtime) receive(path string) callback.Receiver {
	if rt.Receiver == nil {
		return nil
	}
	r, err := rt.Receiver(callback.Pending{State: callback.NewState(), Path: path, Rejected: func(reason msg.Message) { rt.Emit(CallbackIgnored{Reason: reason}) }})
	if err != nil {
		rt.Emit(CallbackUnavailable{Err: err})
		return nil
	}
	return r
}
