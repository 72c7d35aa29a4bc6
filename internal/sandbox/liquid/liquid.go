// Package liquid emulates the Liquid exchange OAuth requests API (seed 001):
// an app signs calls with its API token, creates an OAuth request, the user
// approves it on a consent page, and the app then reads the user's profile and
// accounts with JWTs that also carry the request's ids.
//
// It is the server side, written from the documents alone: it shares no code
// with the app's client, so a client bug cannot hide behind shared code.
//
// Server is an http.Handler meant to be mounted under a prefix with
// http.StripPrefix (e.g. /liquid). The JWT's path claim is the request path
// and query relative to that mount point — r.URL.RequestURI() after the
// prefix is stripped — just as on the real API, which lives at the host root.
package liquid

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// DefaultTokenID is the id of the API token a Server has when no WithToken
// option is given. It is all digits so clients can send it as a JSON number
// or a string, as public clients have.
const DefaultTokenID = "3141592"

// APIVersion is the X-Quoine-API-Version every call must carry.
const APIVersion = "2"

// DefaultRequestLifetime is how long an OAuth request can be approved and
// used. The seed does not say; ten minutes is our choice.
const DefaultRequestLifetime = 10 * time.Minute

// The documented rate limit: 300 requests per 5 minutes per API token.
const (
	DefaultRateLimit  = 300
	DefaultRatePeriod = 5 * time.Minute
)

// appName is the OAuth application the sandbox's API tokens belong to, as the
// consent page names it.
const appName = "QEX Companion"

// keepExpired is how long an expired request is remembered, so late calls
// hear "expired" rather than "unknown"; after that it is forgotten, which
// bounds the store.
const keepExpired = 24 * time.Hour

// Option configures a Server.
type Option func(*Server)

// WithClock replaces the server's clock, so tests can expire requests and
// rate-limit windows without sleeping.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRequestLifetime sets how long an OAuth request lives after creation.
func WithRequestLifetime(d time.Duration) Option { return func(s *Server) { s.lifetime = d } }

// WithToken registers an API token. It can be repeated; the first one given is
// the one Token returns. Without it the server has one token, DefaultTokenID,
// with a secret drawn from crypto/rand.
func WithToken(id, secret string) Option {
	return func(s *Server) {
		if s.primary == "" {
			s.primary = id
		}
		s.tokens[id] = &apiToken{secret: secret}
	}
}

// WithRateLimit allows n signed requests per token in any window of length per.
func WithRateLimit(n int, per time.Duration) Option {
	return func(s *Server) { s.limit, s.period = n, per }
}

// WithExternalBase sets how the server learns its own external URL (scheme,
// host and mount prefix, no trailing slash), used in the challenge links it
// hands out. By default it is derived from the request: its Host, and the
// prefix http.StripPrefix removed.
func WithExternalBase(base func(r *http.Request) string) Option {
	return func(s *Server) { s.base = base }
}

// WithUnavailable makes every call answer 503, as the service does during
// maintenance; SetUnavailable changes it later.
func WithUnavailable(down bool) Option { return func(s *Server) { s.down.Store(down) } }

// Server is the emulated Liquid API and consent page. Create it with New.
type Server struct {
	now      func() time.Time
	lifetime time.Duration
	limit    int
	period   time.Duration
	base     func(r *http.Request) string
	primary  string
	down     atomic.Bool
	mux      *http.ServeMux

	state statefile.File

	mu       sync.Mutex
	tokens   map[string]*apiToken // by token id; fixed after New
	requests map[string]*oauthRequest
}

// apiToken is an app's API token and what the server tracks per token.
type apiToken struct {
	secret    string
	lastNonce int64
	hits      []time.Time // signed requests in the current rate window, oldest first
}

// oauthRequest is the server's record of one OAuth request.
type oauthRequest struct {
	publicID  string
	privateID string
	tokenID   string
	expires   time.Time
	csrf      string // the consent form's anti-forgery token
	state     requestState
}

type requestState int

const (
	pending requestState = iota
	approved
	denied
)

func (st requestState) String() string {
	return [...]string{"pending", "approved", "denied"}[st]
}

// New returns a server with no OAuth requests.
func New(opts ...Option) *Server {
	s := &Server{
		now:      time.Now,
		lifetime: DefaultRequestLifetime,
		limit:    DefaultRateLimit,
		period:   DefaultRatePeriod,
		base:     derivedBase,
		tokens:   map[string]*apiToken{},
		requests: map[string]*oauthRequest{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.primary == "" {
		secret := rand.Text()
		if s.persistent() {
			secret = s.derive("token secret")
		}
		WithToken(DefaultTokenID, secret)(s)
	}
	if s.persistent() {
		s.loadState()
	}
	s.mux = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Token returns the server's main API token: the first WithToken, or
// DefaultTokenID and its generated secret.
func (s *Server) Token() (id, secret string) {
	return s.primary, s.tokens[s.primary].secret
}

// SetUnavailable makes every call answer 503 (true) or serve again (false).
func (s *Server) SetUnavailable(down bool) { s.down.Store(down) }

// derivedBase is the URL the client used to reach the mount point: its
// scheme and Host, and the prefix http.StripPrefix removed from the path.
func derivedBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + mountPrefix(r)
}

// mountPrefix is the part of the original request path that http.StripPrefix
// removed: r.RequestURI keeps the request line as received.
func mountPrefix(r *http.Request) string {
	original, _, _ := strings.Cut(r.RequestURI, "?")
	prefix, found := strings.CutSuffix(original, r.URL.EscapedPath())
	if !found || strings.Contains(prefix, "://") {
		return "" // not stripped, or an absolute-form request line
	}
	return prefix
}

// createRequest records a new pending request made with tokenID.
func (s *Server) createRequest(tokenID string) *oauthRequest {
	now := s.now()
	req := &oauthRequest{
		publicID:  randid.UUID4(),
		privateID: randid.UUID4(),
		tokenID:   tokenID,
		expires:   now.Add(s.lifetime),
		csrf:      rand.Text(),
	}
	if s.persistent() {
		req.privateID = s.derive("private id " + req.publicID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.requests {
		if now.Sub(old.expires) > keepExpired {
			delete(s.requests, id)
		}
	}
	s.requests[req.publicID] = req
	s.saveStateLocked()
	return req
}

// Errors Approve and Deny return; the consent page words them for people.
var (
	ErrUnknownRequest = errors.New("no such oauth request")
	ErrExpired        = errors.New("oauth request expired")
	ErrDecided        = errors.New("oauth request already decided")
)

// Approve approves a pending request as the user would on the consent page,
// for tests that run without a browser.
func (s *Server) Approve(publicID string) error { return s.decide(publicID, approved) }

// Deny denies a pending request as the user would on the consent page.
func (s *Server) Deny(publicID string) error { return s.decide(publicID, denied) }

func (s *Server) decide(publicID string, to requestState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.requests[publicID]
	switch {
	case req == nil:
		return ErrUnknownRequest
	case req.state != pending:
		return ErrDecided
	case !s.now().Before(req.expires):
		return ErrExpired
	}
	req.state = to
	s.saveStateLocked()
	return nil
}

// snapshot returns a copy of the request, so callers can read it unlocked.
func (s *Server) snapshot(publicID string) (oauthRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.requests[publicID]
	if req == nil {
		return oauthRequest{}, false
	}
	return *req, true
}
