// Package sandbox is an in-process emulator of every API the app speaks,
// faithful to the documented contracts, so the app works end to end while
// the production services do not answer: the QEX partner API at the root
// (its paths all start /api/v1), and one emulator per other provider under
// its own path (the Liquid exchange API under /liquid). It shares no code
// with the clients it serves: it decodes and verifies requests on its own,
// as a real server would.
package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/sandbox/exchange"
	"github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	"github.com/qexcompanion/qex-companion/internal/sandbox/liquidcommerce"
	"github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// DefaultPublicAPIKey is the built-in sandbox partner key.
const DefaultPublicAPIKey = "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"

// DefaultSessionTTL is how long a session lives, as the service documents.
const DefaultSessionTTL = 5 * 24 * time.Hour

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithClock replaces the sandbox's clock, so tests can expire sessions.
func WithClock(now func() time.Time) Option { return func(s *Sandbox) { s.now = now } }

// WithSessionTTL sets how long a session lives after it is created.
func WithSessionTTL(d time.Duration) Option { return func(s *Sandbox) { s.ttl = d } }

// LiquidPath is where the Liquid exchange emulator is served.
const LiquidPath = "/liquid"

// WithLiquid passes options to the Liquid exchange emulator.
func WithLiquid(opts ...liquid.Option) Option {
	return func(s *Sandbox) { s.liquidOpts = append(s.liquidOpts, opts...) }
}

// LiquidCommercePath is where the LiquidCommerce emulator is served.
const LiquidCommercePath = "/liquidcommerce"

// WithLiquidCommerce passes options to the LiquidCommerce emulator.
func WithLiquidCommerce(opts ...liquidcommerce.Option) Option {
	return func(s *Sandbox) { s.commerceOpts = append(s.commerceOpts, opts...) }
}

// ExchangePath is where the EXchange emulator is served, and BrokerPath the
// token broker the sandbox runs for it: EXchange's client secret lives only
// in that broker.
const (
	ExchangePath = "/exchange"
	BrokerPath   = "/exchange-broker"
)

// WithExchange passes options to the EXchange emulator.
func WithExchange(opts ...exchange.Option) Option {
	return func(s *Sandbox) { s.exchangeOpts = append(s.exchangeOpts, opts...) }
}

// OAuth2Path is where the Liquid OAuth 2.0 emulator is served.
const OAuth2Path = "/oauth2"

// WithOAuth2 passes options to the Liquid OAuth 2.0 emulator.
func WithOAuth2(opts ...oauth2.Option) Option {
	return func(s *Sandbox) { s.oauth2Opts = append(s.oauth2Opts, opts...) }
}

// WithTokenLifetime shortens the access tokens of the token providers'
// emulators, so a refresh can be watched in minutes (the documents: an
// hour for the OAuth 2.0 service, a day for LiquidCommerce).
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Sandbox) {
		s.commerceOpts = append(s.commerceOpts, liquidcommerce.WithTokenLifetime(d))
		s.exchangeOpts = append(s.exchangeOpts, exchange.WithKeyLifetime(d))
		s.oauth2Opts = append(s.oauth2Opts, oauth2.WithLifetimes(0, d, 0))
	}
}

// Sandbox is the emulated QEX partner API. It is an http.Handler.
type Sandbox struct {
	now   func() time.Time
	ttl   time.Duration
	state statefile.File
	mux   *http.ServeMux

	liquidOpts   []liquid.Option
	liquid       *liquid.Server
	commerceOpts []liquidcommerce.Option
	commerce     *liquidcommerce.Server
	oauth2Opts   []oauth2.Option
	oauth2       *oauth2.Server
	exchangeOpts []exchange.Option
	exchange     *exchange.Server
	broker       *broker.Server // set by Start, which knows the URL it calls EXchange at
	brokerURL    string

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

// New returns a sandbox with no sessions.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{now: time.Now, ttl: DefaultSessionTTL, sessions: map[string]*session{}}
	for _, o := range opts {
		o(s)
	}
	if s.persistent() {
		s.loadState()
		liquidState := strings.TrimSuffix(s.state.Path, ".json") + "-liquid.json"
		s.liquidOpts = append([]liquid.Option{liquid.WithPersistence(liquidState, s.state.Key)}, s.liquidOpts...)
		s.commerceOpts = append([]liquidcommerce.Option{liquidcommerce.WithMasterKey(s.state.Key)}, s.commerceOpts...)
		oauth2State := strings.TrimSuffix(s.state.Path, ".json") + "-oauth2.json"
		s.oauth2Opts = append([]oauth2.Option{oauth2.WithPersistence(oauth2State, s.state.Key)}, s.oauth2Opts...)
		exchangeState := strings.TrimSuffix(s.state.Path, ".json") + "-exchange.json"
		s.exchangeOpts = append([]exchange.Option{exchange.WithPersistence(exchangeState, s.state.Key)}, s.exchangeOpts...)
	}
	s.liquid = liquid.New(s.liquidOpts...)
	s.commerce = liquidcommerce.New(s.commerceOpts...)
	s.oauth2 = oauth2.New(s.oauth2Opts...)
	s.exchange = exchange.New(s.exchangeOpts...)
	s.mux = s.routes()
	return s
}

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Liquid is the Liquid exchange emulator, served under LiquidPath.
func (s *Sandbox) Liquid() *liquid.Server { return s.liquid }

// Server is a sandbox listening on a loopback port.
type Server struct {
	*Sandbox
	// URL is the API base, e.g. http://127.0.0.1:41234.
	URL string
	srv *http.Server
}

// Start serves a new sandbox on addr, which must be a loopback address
// ("127.0.0.1:0" picks a free port). Close stops it.
func Start(addr string, opts ...Option) (*Server, error) {
	if err := CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot start the sandbox on %s: %w", addr, err)
	}
	sb := New(opts...)
	url := "http://" + ln.Addr().String()
	if err := sb.startBroker(url); err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return &Server{Sandbox: sb, URL: url, srv: srv}, nil
}

// Close stops the server at once.
func (s *Server) Close() error {
	return s.srv.Close()
}

// startBroker starts the token broker that holds EXchange's client secret,
// calling the emulator at url. Its grants live in memory, and in a state
// file beside the others when the sandbox keeps state (their tokens sealed
// under a key derived from the master key).
func (s *Sandbox) startBroker(url string) error {
	key := sha256.Sum256([]byte("sandbox broker key " + randid.UUID4()))
	var store *broker.MemoryStore
	if s.persistent() {
		key = sha256.Sum256(append([]byte("sandbox broker key "), s.state.Key...))
		state := statefile.File{Path: strings.TrimSuffix(s.state.Path, ".json") + "-broker.json", Key: s.state.Key}
		var saved []broker.Grant
		state.Load(&saved)
		store = broker.NewMemoryStore(saved, func(all []broker.Grant) { state.Save(all) })
	} else {
		store = broker.NewMemoryStore(nil, nil)
	}
	id, secret := s.exchange.Client()
	b, err := broker.New(broker.Config{ExchangeBase: url + ExchangePath, ClientID: id, ClientSecret: secret, Key: key[:], Store: store})
	if err != nil {
		return err
	}
	s.broker, s.brokerURL = b, url+BrokerPath
	return nil
}

// CheckLoopback refuses listen addresses that would expose the sandbox beyond
// this machine.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("sandbox address %q is not host:port, e.g. 127.0.0.1:8080", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sandbox address %q is not a loopback address; use 127.0.0.1:PORT so the sandbox is not reachable from other machines", addr)
	}
	return nil
}

// newSession records a session for publicAPIKey.
func (s *Sandbox) newSession(publicAPIKey string) *session {
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
func (s *Sandbox) lookup(id string) (*session, string) {
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
