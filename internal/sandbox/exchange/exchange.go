// Package exchange emulates EXchange (seed 004), an exchange built on the
// open-source Peatio: the OAuth consent page, the Doorkeeper token
// endpoint, which insists on the client secret and answers a user token
// "<access_key>:<secret_key>", and APIv2 with Peatio's signed calls, tonce
// checks and access keys that expire (error 2010).
//
// It is the server side, written from the documents alone: it shares no
// code with the app's client, so a client bug cannot hide behind shared
// code. Server is an http.Handler meant to be mounted under a prefix with
// http.StripPrefix (e.g. /exchange). Its client secret belongs to the
// partner's token broker, never to the app.
package exchange

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// Lifetimes: the seed's 4-hour user token; Doorkeeper's default 10-minute
// authorization code. Refresh tokens do not expire (Doorkeeper's default);
// they rotate.
const (
	DefaultKeyLifetime  = 4 * time.Hour
	DefaultCodeLifetime = 10 * time.Minute
)

// DefaultClientID is the sandbox's registered client: the partner's token
// broker, a confidential client.
const DefaultClientID = "qex-companion-broker"

// DefaultRedirectURIs are where the built-in client may send the browser
// back: the app's loopback receiver on any port and its deep link.
var DefaultRedirectURIs = []string{"http://127.0.0.1/callback", "http://[::1]/callback", "io.qexcompanion.app:/callback"}

// Scopes EXchange knows.
var Scopes = []string{"profile", "history", "trade"}

// App is a registered OAuth client.
type App struct {
	ID     string
	Name   string // shown on the consent page
	Secret string
	// RedirectURIs are the registered return addresses; a loopback one
	// matches any port.
	RedirectURIs []string
}

// Account is one of the member's balances, decimals as strings.
type Account struct {
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
	Locked   string `json:"locked"`
}

// Member is the signed-in user.
type Member struct {
	SN       string
	Name     string
	Email    string
	Accounts []Account
}

// DefaultMember is the sandbox's member: exact decimals, a long one and a
// zero.
var DefaultMember = Member{
	SN: "PEA7X2K9QZTIO", Name: "Kenji Watanabe", Email: "kenji.watanabe@sandbox.exchange.test",
	Accounts: []Account{
		{Currency: "btc", Balance: "0.00726", Locked: "0.0"},
		{Currency: "eth", Balance: "12.345678901234567891", Locked: "0.5"},
		{Currency: "cny", Balance: "1250.5", Locked: "0.0"},
	},
}

// Option configures a Server.
type Option func(*Server)

// WithClock replaces the server's clock, so tests can expire codes and
// keys without sleeping. Tonces are checked against it too.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithKeyLifetime shortens (or lengthens) the user token's 4 hours, so a
// refresh can be watched in minutes; zero keeps the default.
func WithKeyLifetime(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.keyLife = d
		}
	}
}

// WithClientSecret gives the built-in client the secret a person chose,
// so a token broker of their own (qex-broker) can be run against it.
func WithClientSecret(secret string) Option {
	return func(s *Server) {
		s.app = App{ID: DefaultClientID, Name: "QEX Companion", Secret: secret, RedirectURIs: DefaultRedirectURIs}
	}
}

// WithMember sets the member who signs in on the consent page.
func WithMember(m Member) Option { return func(s *Server) { s.member = m } }

// Server is the emulated EXchange. Create it with New.
type Server struct {
	now      func() time.Time
	keyLife  time.Duration
	codeLife time.Duration
	app      App
	member   Member
	// keySeed derives each access key's secret key, so neither the state
	// file nor memory needs a table of secrets.
	keySeed []byte
	mux     *http.ServeMux
	state   statefile.File // off unless WithPersistence

	mu       sync.Mutex
	consents map[string]*consent // pending authorize pages, by form id
	// Codes and refresh tokens by tokenKey, access keys by their own
	// hash, so the state file can be these maps.
	codes   map[string]*grant
	refresh map[string]*grant
	keys    map[string]*accessKey
	tonces  map[string]int64 // last tonce accepted, by access key hash
}

// consent is an authorize request waiting for the member's decision.
type consent struct {
	redirectURI string
	state       string
	scope       string
	csrf        string
	expires     time.Time
}

// grant is what a code or refresh token stands for. Chain names the
// approval it descends from: revoking a refresh token ends every key of
// its chain.
type grant struct {
	Chain       string    `json:"chain"`
	Scope       string    `json:"scope"`
	RedirectURI string    `json:"redirect_uri,omitempty"` // codes only
	Expires     time.Time `json:"expires,omitzero"`       // codes only
}

// accessKey is an issued APIv2 key.
type accessKey struct {
	Chain   string    `json:"chain"`
	Scope   string    `json:"scope"`
	Expires time.Time `json:"expires"`
}

// New returns a server with the built-in client and member unless options
// replace them.
func New(opts ...Option) *Server {
	s := &Server{
		now: time.Now, keyLife: DefaultKeyLifetime, codeLife: DefaultCodeLifetime, member: DefaultMember,
		consents: map[string]*consent{}, codes: map[string]*grant{}, refresh: map[string]*grant{}, keys: map[string]*accessKey{}, tonces: map[string]int64{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.state.On() { // the same at every launch, never in the file
		s.keySeed = []byte(s.state.Derive("exchange sandbox secret keys"))
	} else {
		s.keySeed = []byte(randomHex(32))
	}
	if s.app.ID == "" {
		secret := randomHex(32)
		if s.state.On() {
			secret = s.state.Derive("exchange sandbox client secret " + DefaultClientID)
		}
		WithClientSecret(secret)(s)
	}
	if s.state.On() {
		s.loadState()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/oauth/authorize", s.authorize)
	s.mux.HandleFunc("/oauth/token", s.tokenEndpoint)
	s.mux.HandleFunc("/oauth/revoke", s.revokeEndpoint)
	s.mux.HandleFunc("/api/v2/markets", s.markets)
	s.mux.HandleFunc("/api/v2/members/me", s.signed("profile", s.membersMe))
	s.mux.HandleFunc("/api/v2/orders", s.signed("history", s.orders))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, 1001, "no such APIv2 endpoint: "+r.URL.Path)
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Client returns the registered client's id and secret: for the token
// broker, never for the app.
func (s *Server) Client() (id, secret string) { return s.app.ID, s.app.Secret }

// ExpireKeys ends the life of every access key issued so far, as if their
// hours had passed: the sandbox's way to show a 2010 and a refresh at
// once.
func (s *Server) ExpireKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, k := range s.keys {
		k.Expires = now
	}
	s.saveStateLocked()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// newAccessKey is shaped like Peatio's: 40 letters and digits.
func newAccessKey() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// secretKey is access's secret key: derived, 40 hex digits.
func (s *Server) secretKey(access string) string {
	mac := hmac.New(sha256.New, s.keySeed)
	mac.Write([]byte("secret key " + access))
	return hex.EncodeToString(mac.Sum(nil))[:40]
}

// tokenKey is what the stores are keyed by: the token's SHA-256 in hex.
// The tokens are random, so the hash needs no salt or stretching.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dropExpiredLocked bounds the stores; the caller holds s.mu.
func (s *Server) dropExpiredLocked() {
	now := s.now()
	for k, c := range s.codes {
		if now.After(c.Expires) {
			delete(s.codes, k)
		}
	}
	for k, a := range s.keys {
		if now.After(a.Expires.Add(24 * time.Hour)) { // kept a day, so late use hears 2010
			delete(s.keys, k)
			delete(s.tonces, k)
		}
	}
	for k, c := range s.consents {
		if now.After(c.expires) {
			delete(s.consents, k)
		}
	}
}
