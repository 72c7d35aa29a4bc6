// Package oauth2 emulates the Liquid OAuth 2.0 service (seed 002): the
// /login page where a user approves an app, the token endpoint with the
// authorization-code (PKCE), refresh-token and client-credentials grants,
// the non-standard introspect call, and two Bearer-authenticated API
// endpoints for the app's request console.
//
// It is the server side, written from the documents alone: it shares no
// code with the app's client, so a client bug cannot hide behind shared
// code. Server is an http.Handler meant to be mounted under a prefix with
// http.StripPrefix (e.g. /oauth2).
package oauth2

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// The documents' default lifetimes (oauth.authorization-code-lifetime,
// oauth.access-token-lifetime, oauth.refresh-token-lifetime).
const (
	DefaultCodeLifetime    = 5 * time.Minute
	DefaultAccessLifetime  = time.Hour
	DefaultRefreshLifetime = 15 * 24 * time.Hour
)

// DefaultClientID is the sandbox's built-in client: the app itself, a
// public client (PKCE, no secret) for the authorization code, which also
// holds a secret for partners trying the client-credentials grant.
const DefaultClientID = "qex-companion"

// DefaultRedirectURIs are where the built-in client may send the browser
// back: the loopback receiver on any port (RFC 8252 §7.3) and the app's
// deep link.
var DefaultRedirectURIs = []string{"http://127.0.0.1/callback", "http://[::1]/callback", "io.qexcompanion.app:/callback"}

// Scopes the service knows; a request naming another is refused.
var Scopes = []string{"delegated:all", "delegated:profile:read", "admin:all", "client:all", "client:profile:read"}

// App is a registered OAuth client.
type App struct {
	ID     string
	Name   string // shown on the consent page
	Secret string // "" for a public client, which cannot use client credentials
	// RedirectURIs are the registered return addresses; a loopback one
	// matches any port.
	RedirectURIs []string
}

// User is the account that signs in on the consent page, as introspect
// reports it.
type User struct {
	ID        string
	Username  string
	FirstName string
	LastName  string
	Email     string
	Role      string
	Verified  bool
	Created   time.Time
}

// DefaultUser is the sandbox's signed-in user.
var DefaultUser = User{
	ID: "507f1f77bcf86cd799439011", Username: "hanako_yamada", FirstName: "Hanako", LastName: "Yamada",
	Email: "hanako.yamada@sandbox.liquid.test", Role: "user", Verified: true,
	Created: time.Date(2023, 6, 21, 13, 20, 0, 112e6, time.UTC),
}

// Option configures a Server.
type Option func(*Server)

// WithClock replaces the server's clock, so tests can expire codes and
// tokens without sleeping.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLifetimes shortens (or lengthens) codes, access tokens and refresh
// tokens, as the service's oauth.*-lifetime options do, so a refresh can
// be watched in minutes. A zero keeps the default.
func WithLifetimes(code, access, refresh time.Duration) Option {
	return func(s *Server) {
		for _, set := range []struct {
			to *time.Duration
			d  time.Duration
		}{{&s.codeLife, code}, {&s.accessLife, access}, {&s.refreshLife, refresh}} {
			if set.d > 0 {
				*set.to = set.d
			}
		}
	}
}

// WithApp registers a client; the first one given replaces the built-in
// one as the Server's main client.
func WithApp(a App) Option {
	return func(s *Server) {
		if s.primary == "" {
			s.primary = a.ID
		}
		s.apps[a.ID] = a
	}
}

// Server is the emulated OAuth 2.0 service. Create it with New.
type Server struct {
	now                               func() time.Time
	codeLife, accessLife, refreshLife time.Duration
	apps                              map[string]App // fixed after New
	primary                           string
	user                              User
	mux                               *http.ServeMux
	state                             statefile.File // off unless WithPersistence

	mu       sync.Mutex
	consents map[string]*consent // pending /login requests, by form id
	// Codes and tokens by tokenKey, never by the token itself, so the
	// state file can be these maps.
	codes   map[string]*issued
	access  map[string]*issued
	refresh map[string]*issued
}

// consent is a /login request waiting for the user's decision.
type consent struct {
	app         App
	redirectURI string
	state       string
	scope       string
	challenge   string
	csrf        string
	expires     time.Time
}

// issued is what a code or token grants.
type issued struct {
	clientID    string
	scope       string
	user        bool   // false for a client-credentials token
	redirectURI string // codes only
	challenge   string // codes only
	expires     time.Time
}

// New returns a server with the built-in client and user unless options
// replace them.
func New(opts ...Option) *Server {
	s := &Server{
		now: time.Now, codeLife: DefaultCodeLifetime, accessLife: DefaultAccessLifetime, refreshLife: DefaultRefreshLifetime,
		apps: map[string]App{}, user: DefaultUser,
		consents: map[string]*consent{}, codes: map[string]*issued{}, access: map[string]*issued{}, refresh: map[string]*issued{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.primary == "" {
		secret := newToken()
		if s.state.On() { // the same at every launch, never in the file
			secret = s.state.Derive("oauth2 sandbox client secret " + DefaultClientID)
		}
		WithApp(App{ID: DefaultClientID, Name: "QEX Companion", Secret: secret, RedirectURIs: DefaultRedirectURIs})(s)
	}
	if s.state.On() {
		s.loadState()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/login", s.loginPage)
	s.mux.HandleFunc("/login/decision", s.decisionForm)
	s.mux.HandleFunc("/oauth/token", s.tokenEndpoint)
	s.mux.HandleFunc("/oauth/token/introspect", s.introspect)
	s.mux.HandleFunc("/api/me", s.apiMe)
	s.mux.HandleFunc("/api/scopes", s.apiScopes)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Client returns the main client's id and secret (the built-in one, or
// the first WithApp).
func (s *Server) Client() (id, secret string) { return s.primary, s.apps[s.primary].Secret }

// newToken is 32 random bytes in hex, shaped like the seed's tokens.
func newToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// tokenKey is what the stores are keyed by: the token's SHA-256 in hex.
// The tokens are 256 random bits, so the hash needs no salt or stretching.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dropExpiredLocked bounds the stores; the caller holds s.mu.
func (s *Server) dropExpiredLocked() {
	now := s.now()
	for _, m := range []map[string]*issued{s.codes, s.access, s.refresh} {
		for k, v := range m {
			if now.After(v.expires.Add(time.Hour)) { // kept a while, so late use hears "expired"
				delete(m, k)
			}
		}
	}
	for k, c := range s.consents {
		if now.After(c.expires) {
			delete(s.consents, k)
		}
	}
}

// knownScopes splits a comma-separated scope, reporting whether every
// one is known.
func knownScopes(scope string) ([]string, bool) {
	parts := strings.Split(scope, ",")
	for _, p := range parts {
		known := false
		for _, k := range Scopes {
			known = known || p == k
		}
		if !known {
			return parts, false
		}
	}
	return parts, scope != ""
}
