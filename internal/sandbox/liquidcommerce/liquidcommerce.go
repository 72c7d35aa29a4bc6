// Package liquidcommerce emulates the LiquidCommerce API (seed 003): an API
// key buys an access token at GET /authentication; calls carry it as a
// Bearer token, and a request body's "refresh": true returns a new one in
// an "auth" object. Every answer is the documented envelope, with
// metadata.requestId.
//
// It is the server side, written from the documents alone: it shares no
// code with the app's client, so a client bug cannot hide behind shared
// code.
//
// Server is an http.Handler meant to be mounted under a prefix with
// http.StripPrefix (e.g. /liquidcommerce).
package liquidcommerce

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultTokenLifetime is the documented lifetime of an access token.
// Sandboxes shorten it with WithTokenLifetime so a refresh can be watched.
const DefaultTokenLifetime = 24 * time.Hour

// The seed documents a rate limit on the Authentication API without
// numbers; 30 per minute per API key is our choice.
const (
	DefaultRateLimit  = 30
	DefaultRatePeriod = time.Minute
)

// APIVersion is metadata.version, as in the seed's samples.
const APIVersion = "1.7.0"

// Option configures a Server.
type Option func(*Server)

// WithClock replaces the server's clock, so tests can expire tokens and
// rate windows without sleeping.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithTokenLifetime sets how long an access token lives.
func WithTokenLifetime(d time.Duration) Option { return func(s *Server) { s.lifetime = d } }

// WithAPIKey registers an API key. It can be repeated; the first one given
// is the one APIKey returns. Without it the server has one key, drawn from
// crypto/rand or derived from WithMasterKey.
func WithAPIKey(key string) Option {
	return func(s *Server) { s.keys = append(s.keys, key) }
}

// WithMasterKey derives the built-in API key and the key that signs access
// tokens from masterKey, which the caller keeps somewhere safe (the system
// keychain): an embedded sandbox then accepts, after a restart, the key and
// the tokens the app saved. Tokens carry their own expiry, so no state file
// is needed.
func WithMasterKey(masterKey []byte) Option {
	return func(s *Server) { s.masterKey = masterKey }
}

// WithRateLimit allows n authentications per API key in any window of
// length per.
func WithRateLimit(n int, per time.Duration) Option {
	return func(s *Server) { s.limit, s.period = n, per }
}

// Server is the emulated LiquidCommerce API. Create it with New.
type Server struct {
	now       func() time.Time
	lifetime  time.Duration
	limit     int
	period    time.Duration
	masterKey []byte
	keys      []string // fixed after New
	signKey   []byte
	mux       *http.ServeMux

	mu   sync.Mutex
	hits map[string][]time.Time // authentications per API key in the rate window, oldest first
}

// New returns a server.
func New(opts ...Option) *Server {
	s := &Server{
		now:      time.Now,
		lifetime: DefaultTokenLifetime,
		limit:    DefaultRateLimit,
		period:   DefaultRatePeriod,
		hits:     map[string][]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	if len(s.keys) == 0 {
		key := "lc_sandbox_" + strings.ToLower(rand.Text())
		if len(s.masterKey) > 0 {
			key = "lc_sandbox_" + hex.EncodeToString(s.derive("api key")[:20])
		}
		s.keys = []string{key}
	}
	s.signKey = make([]byte, 32)
	rand.Read(s.signKey)
	if len(s.masterKey) > 0 {
		s.signKey = s.derive("token signing")
	}
	s.mux = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// APIKey returns the server's main API key: the first WithAPIKey, or the
// built-in one.
func (s *Server) APIKey() string { return s.keys[0] }

func (s *Server) derive(purpose string) []byte {
	mac := hmac.New(sha256.New, s.masterKey)
	mac.Write([]byte("liquidcommerce sandbox " + purpose))
	return mac.Sum(nil)
}

// knownKey reports whether key is one of the server's API keys, in
// constant time.
func (s *Server) knownKey(key string) bool {
	found := 0
	for _, k := range s.keys {
		found |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return found == 1 && key != ""
}

// allow counts one authentication with key against its sliding window, or
// says how long until the oldest counted one leaves it.
func (s *Server) allow(key string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	hits := s.hits[key]
	i := 0
	for i < len(hits) && now.Sub(hits[i]) >= s.period {
		i++
	}
	hits = hits[i:]
	if len(hits) >= s.limit {
		s.hits[key] = hits
		return hits[0].Add(s.period).Sub(now), false
	}
	s.hits[key] = append(hits, now)
	return 0, true
}

// auth is the documented Auth object.
type auth struct {
	Token string `json:"token"`
	Type  string `json:"type"`
	Exp   int64  `json:"exp"` // epoch milliseconds
}

// tokenClaims are what an access token carries, signed: the sandbox keeps
// no table of tokens, so they outlive a restart with WithMasterKey.
type tokenClaims struct {
	Exp int64  `json:"exp"` // epoch milliseconds
	ID  string `json:"jti"`
}

const tokenPrefix = "lcat_"

// issue makes a new access token.
func (s *Server) issue() auth {
	claims := tokenClaims{Exp: s.now().Add(s.lifetime).UnixMilli(), ID: strings.ToLower(rand.Text())}
	payload, _ := json.Marshal(claims)
	encoded := base64.RawURLEncoding.EncodeToString(payload)
	return auth{Token: tokenPrefix + encoded + "." + s.sign(encoded), Type: "ACCESS_TOKEN", Exp: claims.Exp}
}

func (s *Server) sign(encoded string) string {
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Token refusals, as the envelope's internal statusCode. The seed names
// only 5000; the others are our choice.
const (
	codeKeyNotFound   = 5000
	codeTokenExpired  = 5001
	codeTokenInvalid  = 5002
	codeTokenRequired = 5003
)

// verify checks an access token's signature and expiry.
func (s *Server) verify(token string) (code int, msg string) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	encoded, sig, dot := strings.Cut(rest, ".")
	if !ok || !dot || !hmac.Equal([]byte(sig), []byte(s.sign(encoded))) {
		return codeTokenInvalid, "Invalid access token"
	}
	payload, err := base64.RawURLEncoding.DecodeString(encoded)
	var claims tokenClaims
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return codeTokenInvalid, "Invalid access token"
	}
	if s.now().UnixMilli() >= claims.Exp {
		return codeTokenExpired, "Access token expired"
	}
	return 0, ""
}
