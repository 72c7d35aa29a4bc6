// Package scenario makes the sandbox's emulators misbehave on demand the way
// the real services do (rate limits, outages, slowness, expired access, a
// refused renewal), so a partner can watch how an integration should
// react. It is a thin layer around each emulator: the emulator says which
// of its calls carry the access or renew it and how it words each failure
// (its Shape); the layer decides when to answer with one.
package scenario

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// Name names a scenario, as --scenario takes it.
type Name string

// The scenarios.
const (
	Normal         Name = "normal"
	RateLimited    Name = "rate-limited"
	ServerError    Name = "server-error"
	Slow           Name = "slow"
	ExpiredToken   Name = "expired-token"
	RefreshRefused Name = "refresh-refused"
	CardDeclined   Name = "card-declined"
	QuoteExpired   Name = "quote-expired"
)

// Scenario is one way the emulated services can behave.
type Scenario struct {
	Name Name
	// Summary says in one line what the services do in it (the window's
	// picker shows it).
	Summary string
}

// All are the scenarios, the default first.
var All = []Scenario{
	{Normal, "Every call answers as documented."},
	{RateLimited, fmt.Sprintf("The first %d calls after approval answer 429 with Retry-After: %d.", RateLimitedCalls, RetryAfterSeconds)},
	{ServerError, "The first call after approval answers 503."},
	{Slow, fmt.Sprintf("Every answer takes %s.", SlowDelay)},
	{ExpiredToken, "The access expires right after it is granted: the first call with it is refused as expired."},
	{RefreshRefused, "The access expires right after it is granted, and renewing it is refused."},
	{CardDeclined, "In the sandbox widget, every card is declined."},
	{QuoteExpired, fmt.Sprintf("In the sandbox widget, a quote is valid for %s only.", QuoteValidity)},
}

// The scenarios' numbers.
const (
	RateLimitedCalls  = 2
	RetryAfterSeconds = 1
	SlowDelay         = 2 * time.Second
	QuoteValidity     = 10 * time.Second
)

// Names lists the scenarios' names, the default first.
func Names() []string {
	names := make([]string, len(All))
	for i, s := range All {
		names[i] = string(s.Name)
	}
	return names
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	i := slices.IndexFunc(All, func(s Scenario) bool { return string(s.Name) == name })
	if i < 0 {
		return Scenario{}, false
	}
	return All[i], true
}

// Kind says what a call to an emulator is, for the scenarios.
type Kind uint8

// Kinds, combined: a call may be limited and carry the access.
const (
	// Limited calls are the ones rate-limited and server-error answer
	// badly: the calls an integration makes once access is granted.
	Limited Kind = 1 << iota
	// Access calls are made with the granted access: expiry shows there.
	Access
	// Renewal calls renew the access (a refresh grant).
	Renewal
)

// Fault is a failure an emulator words in its own shape.
type Fault int

// The faults.
const (
	TooManyRequests Fault = iota // 429, with Retry-After set by the layer
	Unavailable                  // 503
	Expired                      // the access has expired
	RenewalRefused               // the renewal is refused
)

// Limits say which scenarios cannot happen for an emulator, and why: the
// same for every run of it, so known before it starts.
type Limits struct {
	// Without says, for each scenario that does not apply, why not.
	Without map[Name]msg.Kind
	// Widget says the emulator serves the partner widget, where
	// card-declined and quote-expired happen.
	Widget bool
}

// Inapplicable says why scenario n does not apply, or is zero when it
// does.
func (l Limits) Inapplicable(n Name) msg.Message {
	if (n == CardDeclined || n == QuoteExpired) && !l.Widget {
		return msg.ScenarioWidgetOnly.New(nil)
	}
	if why, ok := l.Without[n]; ok {
		return why.New(nil)
	}
	return msg.Message{}
}

// Shape is what a running emulator supplies: which calls are which, how
// it words each fault, and its Limits.
type Shape struct {
	Kind   func(r *http.Request) Kind
	Answer func(w http.ResponseWriter, r *http.Request, f Fault)
	Limits
}

// Switch holds the active scenario, which a window may change between
// connections; every layer reads it, and changing it starts every
// scenario afresh.
type Switch struct {
	mu    sync.Mutex
	name  Name
	epoch int
	sleep func(r *http.Request, d time.Duration) // waits on the request's context
}

// NewSwitch returns a switch on scenario n.
func NewSwitch(n Name) *Switch {
	if n == "" {
		n = Normal
	}
	return &Switch{name: n, sleep: func(r *http.Request, d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	}}
}

// Active is the active scenario.
func (s *Switch) Active() Name {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// Set makes n the active scenario, starting it afresh.
func (s *Switch) Set(n Name) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.name = n
	s.epoch++
}

func (s *Switch) state() (Name, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name, s.epoch
}

// Wrap puts the scenarios' layer around an emulator of shape shape.
func (s *Switch) Wrap(shape Shape, next http.Handler) http.Handler {
	return &layer{sw: s, shape: shape, next: next}
}

// layer applies the active scenario around one emulator.
type layer struct {
	sw    *Switch
	shape Shape
	next  http.Handler

	mu      sync.Mutex
	epoch   int
	limited int  // limited calls answered badly so far
	expired bool // the access was said to be expired
	refused bool // a renewal was refused
}

// maxRecorded bounds an answer held back to be replaced: the emulators'
// answers to API calls are a few KiB.
const maxRecorded = 1 << 20

func (l *layer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, epoch := l.sw.state()
	if !l.shape.Inapplicable(name).IsZero() {
		l.next.ServeHTTP(w, r)
		return
	}
	switch name {
	case Slow:
		l.sw.sleep(r, SlowDelay)
		l.next.ServeHTTP(w, r)
		return
	case RateLimited, ServerError, ExpiredToken, RefreshRefused:
	default:
		l.next.ServeHTTP(w, r)
		return
	}
	kind := l.shape.Kind(readable(r))
	if kind == 0 {
		l.next.ServeHTTP(w, r)
		return
	}
	// The emulator answers first, so that only a call it would have
	// granted (after approval, with valid access) is answered badly.
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	l.next.ServeHTTP(rec, r)
	if fault, ok := l.fault(name, epoch, kind, rec.status); ok {
		if fault == TooManyRequests {
			w.Header().Set("Retry-After", fmt.Sprint(RetryAfterSeconds))
		}
		l.shape.Answer(w, r, fault)
		return
	}
	rec.replay(w)
}

// fault decides whether a call of kind, which the emulator answered with
// status, is answered with a fault instead.
func (l *layer) fault(name Name, epoch int, kind Kind, status int) (Fault, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.epoch != epoch {
		l.epoch, l.limited, l.expired, l.refused = epoch, 0, false, false
	}
	if status < 200 || status > 299 {
		return 0, false
	}
	switch {
	case name == RateLimited && kind&Limited != 0 && l.limited < RateLimitedCalls:
		l.limited++
		return TooManyRequests, true
	case name == ServerError && kind&Limited != 0 && l.limited < 1:
		l.limited++
		return Unavailable, true
	case (name == ExpiredToken || name == RefreshRefused) && kind&Access != 0 && !l.expired:
		l.expired = true
		return Expired, true
	case name == RefreshRefused && kind&Renewal != 0 && l.expired && !l.refused:
		l.refused = true
		return RenewalRefused, true
	}
	return 0, false
}

// maxPeek bounds what Kind may read of a body: a form of a few fields.
const maxPeek = 64 << 10

// readable lets Kind read the start of a POST body; the emulator still
// reads all of it, as sent.
func readable(r *http.Request) *http.Request {
	if r.Body == nil || r.Method != http.MethodPost {
		return r
	}
	head, _ := io.ReadAll(io.LimitReader(r.Body, maxPeek))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	peek := r.Clone(r.Context())
	peek.Body = io.NopCloser(bytes.NewReader(head))
	return peek
}

// FormValue reads one field of a form-encoded body without consuming it
// (for Kind functions): the layer hands Kind a copy of the request.
func FormValue(r *http.Request, field string) string {
	if r.Body == nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ""
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxPeek))
	form, _ := url.ParseQuery(string(body))
	return form.Get(field)
}

// recorder holds an emulator's answer until the layer knows it stands.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	if r.body.Len()+len(p) > maxRecorded {
		return 0, fmt.Errorf("answer larger than %d bytes", maxRecorded)
	}
	return r.body.Write(p)
}

func (r *recorder) replay(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes()) //nolint:errcheck // the client went away
}
