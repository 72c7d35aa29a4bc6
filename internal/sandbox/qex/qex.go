// Package qex emulates the QEX partner API (seed 000), faithful to the
// documented contract: partner sessions created with a public key,
// approved by the user on a consent page, then read with JWTs signed by
// the session secret. It also serves the partner widget and the two calls
// it makes. Its paths all start /api/v1 (and /static for the widget), so
// the sandbox serves it at its root.
//
// It shares no code with the app's client: it decodes and verifies
// requests on its own, as a real server would.
package qex

import (
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	qexclient "github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// DefaultPublicAPIKey is the built-in sandbox partner key.
const DefaultPublicAPIKey = "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"

// DefaultSessionTTL is how long a session lives, as the service documents.
const DefaultSessionTTL = 5 * 24 * time.Hour

// Option configures a Server.
type Option func(*Server)

// WithClock replaces the server's clock, so tests can expire sessions.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSessionTTL sets how long a session lives after it is created.
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// Server is the emulated QEX partner API. It is an http.Handler.
type Server struct {
	now   func() time.Time
	ttl   time.Duration
	state statefile.File
	mux   *http.ServeMux

	scenarios *scenario.Switch // what the widget plays

	mu       sync.Mutex
	sessions map[string]*session
}

// session is the server's record of one partner session.
type session struct {
	id           string
	secret       string
	publicAPIKey string
	created      time.Time
	consentToken string
	approved     bool
	denied       bool
	terminated   bool
	lastNonce    int64
}

// New returns a server with no sessions.
func New(opts ...Option) *Server {
	s := &Server{now: time.Now, ttl: DefaultSessionTTL, sessions: map[string]*session{}, scenarios: scenario.NewSwitch(scenario.Normal)}
	for _, o := range opts {
		o(s)
	}
	if s.persistent() {
		s.loadState()
	}
	s.mux = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Emulator is the QEX partner API as the sandbox runs it, with opts.
func Emulator(opts ...Option) sandbox.Emulator { return emulator(opts) }

type emulator []Option

func (emulator) Provider() string    { return qexclient.Name }
func (emulator) Path() string        { return "" } // the documented paths start /api/v1
func (emulator) Description() string { return "QEX partner API" }

func (emulator) PublicInputs() flows.Inputs {
	return flows.Inputs{qexclient.FieldPublicAPIKey: DefaultPublicAPIKey}
}

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	opts := []Option(e)
	if cfg.State != nil {
		// The state file the sandbox had before it hosted other
		// emulators: sessions saved then still resume.
		opts = append([]Option{withState(cfg.State.File(".json"))}, opts...)
	}
	if cfg.Scenarios != nil {
		opts = append(opts, withScenarios(cfg.Scenarios))
	}
	return &sandbox.Mounted{Handler: New(opts...), Inputs: e.PublicInputs(), Scenarios: scenarioShape()}, nil
}

// newSession records a session for publicAPIKey.
func (s *Server) newSession(publicAPIKey string) *session {
	sess := &session{
		id:           randid.UUID4(),
		secret:       randid.UUID4(),
		publicAPIKey: publicAPIKey,
		created:      s.now(),
		consentToken: rand.Text(),
	}
	if s.persistent() {
		sess.secret = s.sessionSecret(sess.id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[sess.id] = sess
	s.saveStateLocked()
	return sess
}

// lookup returns a live session, or a reason it is not usable.
func (s *Server) lookup(id string) (*session, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	switch {
	case sess == nil:
		return nil, "Session not found."
	case sess.terminated:
		return nil, "Session not found: it was terminated."
	case s.now().After(sess.created.Add(s.ttl)):
		return nil, "Session not found: it expired."
	}
	return sess, ""
}
