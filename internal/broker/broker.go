// Package broker is the EXchange token broker (seed 004, docs/broker.md):
// the partner's small backend that keeps the client secret and the refresh
// tokens, which EXchange forbids on users' devices, and hands a device only
// the short-lived user token and a grant handle to refresh it with.
package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Defaults of Config.
const (
	DefaultExchangeTimeout = 15 * time.Second
	DefaultRateLimit       = 30  // requests per grant per RateWindow
	DefaultAddressLimit    = 120 // requests to /v1/start and /v1/token per address per RateWindow
	RateWindow             = time.Minute
	// MaxBodyBytes bounds a request body (docs/broker.md).
	MaxBodyBytes = 16 << 10
	// maxFieldBytes bounds each field of a request.
	maxFieldBytes = 2048
	// leaseMargin is how much longer than EXchange's timeout a refresh
	// lease lasts: a live holder has finished (stored or given up) by then.
	leaseMargin = 10 * time.Second
)

// Logger is where the broker logs, as *slog.Logger does (qex-broker
// passes one). An interface, not slog itself: the desktop app runs the
// broker in its sandbox and discards its log, so it does not link
// log/slog (0.16 MB of its binary).
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

type discardLog struct{}

func (discardLog) Info(string, ...any)  {}
func (discardLog) Warn(string, ...any)  {}
func (discardLog) Error(string, ...any) {}

// Config configures a broker. ExchangeBase, ClientID, ClientSecret, Key
// and Store are required.
type Config struct {
	ExchangeBase string // e.g. https://exchange.example
	ClientID     string
	ClientSecret string
	Key          []byte   // KeySize bytes; seals the refresh tokens in the Store
	OldKeys      [][]byte // keys Key replaces: they still open, Key seals again at the next write
	Store        Store    // e.g. a MemoryStore in-process, sqlstore for a server
	// Logger receives the access log and the reasons of failures; never a
	// token or a secret. Nil discards them.
	Logger          Logger
	ExchangeTimeout time.Duration // each call to EXchange; DefaultExchangeTimeout if zero
	RateLimit       int           // requests per grant per RateWindow; DefaultRateLimit if zero
	// AddressLimit bounds the calls to /v1/start and /v1/token, and the
	// grant requests that fail to prove their secret, per client address
	// per RateWindow, in this process; DefaultAddressLimit if zero.
	AddressLimit int
	// ClientIPHeader, when set, names the header a trusted reverse proxy
	// puts the client's address in (its last value counts), e.g.
	// X-Forwarded-For; otherwise the connection's address counts.
	ClientIPHeader string
	HTTPClient     *http.Client // calls to EXchange; nil: one with the project's redirect policy
	Observer       Observer     // nil: nothing observes
	Now            func() time.Time
	// Arrived, if set, runs once a refresh has noted when it arrived; tests
	// line up concurrent refreshes on it.
	Arrived func()
}

// Observer is told what the broker does, for metrics.
type Observer interface {
	// Refreshed: a refresh ended with outcome "exchange" (EXchange asked),
	// "shared" (another's fresh token answered), "refused", "lost" or "failed".
	Refreshed(outcome string)
	// ExchangeCalled: a call to EXchange's path took that long and was
	// "answered" or "unanswered".
	ExchangeCalled(path string, took time.Duration, outcome string)
}

type noObserver struct{}

func (noObserver) Refreshed(string)                             {}
func (noObserver) ExchangeCalled(string, time.Duration, string) {}

// Server is the broker's http.Handler.
type Server struct {
	mux       *http.ServeMux
	exchange  *exchange
	store     Store
	sealer    *sealer
	log       Logger
	observe   Observer
	rateLimit int
	addresses *addressLimiter
	ipHeader  string
	lease     time.Duration
	now       func() time.Time
	arrived   func()
	flights   flights
}

// New checks cfg and returns the broker.
func New(cfg Config) (*Server, error) {
	base, err := apihttp.ParseBaseURL(cfg.ExchangeBase, "https://exchange.example")
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(cfg.ClientID) == "":
		return nil, errors.New("the EXchange client id is missing")
	case cfg.ClientSecret == "":
		return nil, errors.New("the EXchange client secret is missing")
	case cfg.Store == nil:
		return nil, errors.New("the broker needs a store")
	}
	seal, err := newSealer(cfg.Key, cfg.OldKeys...)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// Many refreshes at once reach one EXchange: keep their connections.
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 256
		hc = &http.Client{CheckRedirect: apihttp.CheckRedirect, Transport: transport}
	}
	observe := cfg.Observer
	if observe == nil {
		observe = noObserver{}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	timeout := cmp(cfg.ExchangeTimeout, DefaultExchangeTimeout)
	s := &Server{
		mux: http.NewServeMux(),
		exchange: &exchange{base: base, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret, hc: hc,
			timeout: timeout, observe: observe},
		store:     cfg.Store,
		sealer:    seal,
		log:       cfg.Logger,
		observe:   observe,
		rateLimit: cmp(cfg.RateLimit, DefaultRateLimit),
		addresses: newAddressLimiter(cmp(cfg.AddressLimit, DefaultAddressLimit)),
		ipHeader:  cfg.ClientIPHeader,
		lease:     timeout + leaseMargin,
		now:       now,
		arrived:   cfg.Arrived,
	}
	if s.arrived == nil {
		s.arrived = func() {}
	}
	if s.log == nil {
		s.log = discardLog{}
	}
	s.mux.HandleFunc("/v1/start", s.post(s.limitAddress(s.start)))
	s.mux.HandleFunc("/v1/token", s.post(s.limitAddress(s.token)))
	s.mux.HandleFunc("/v1/refresh", s.post(s.refresh))
	s.mux.HandleFunc("/v1/revoke", s.post(s.revoke))
	s.mux.HandleFunc("/healthz", s.healthz)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound, Code: "invalid_request", Message: "no such call; see docs/broker.md"})
	})
	return s, nil
}

// cmp is v, or def when v is zero or less.
func cmp[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// apiError is an answer other than 2xx: {"error", "message"}.
type apiError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter is set on 429.
	RetryAfter time.Duration
	// unanswered: the request went to EXchange and no answer came back,
	// so EXchange may have acted on it. exchangeCode is EXchange's OAuth
	// error code when it refused.
	unanswered   bool
	exchangeCode string
}

func (e *apiError) Error() string { return e.Message }

func badRequest(format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Message: fmt.Sprintf(format, args...)}
}

var errBadGrant = &apiError{Status: http.StatusUnauthorized, Code: "invalid_grant", Message: "unknown or revoked grant, or wrong grant secret; sign in again"}

// accessEntry is what the access log says of one request; handlers add the
// grant id once they know it.
type accessEntry struct {
	began time.Time
	grant string
}

type accessKey struct{}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP answers a request and logs it: method, path, status, duration,
// grant id. Never the body, the query or a header.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := s.now()
	entry := &accessEntry{began: began}
	rec := &statusRecorder{ResponseWriter: w}
	s.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), accessKey{}, entry)))
	attrs := []any{
		"method", oneline.Clean(r.Method, 16), "path", oneline.Clean(r.URL.Path, 100), "status", rec.status,
		"duration_ms", s.now().Sub(began).Milliseconds(), "remote", r.RemoteAddr,
	}
	if entry.grant != "" {
		attrs = append(attrs, "grant", entry.grant)
	}
	s.log.Info("request", attrs...)
}

// post decodes a JSON body for handle, which answers a value (200) or nil
// (204), or an error.
func (s *Server) post(handle func(r *http.Request, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, &apiError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Message: "use POST"})
			return
		}
		body, err := apihttp.ReadAll(r.Body, MaxBodyBytes)
		if err != nil {
			var tooLarge *apihttp.TooLargeError
			if errors.As(err, &tooLarge) {
				writeError(w, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request",
					Message: "the body is larger than " + apihttp.Size(MaxBodyBytes)})
				return
			}
			writeError(w, badRequest("the body could not be read"))
			return
		}
		answer, err := handle(r, body)
		if err != nil {
			var api *apiError
			if !errors.As(err, &api) {
				s.log.Error("internal failure", "path", r.URL.Path, "err", err.Error())
			} else if api.Status >= 500 {
				s.log.Warn("EXchange failed", "path", r.URL.Path, "status", api.Status, "reason", api.Message)
			}
			writeError(w, err)
			return
		}
		if answer == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, answer)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers err; anything but an *apiError is 500, unexplained.
func writeError(w http.ResponseWriter, err error) {
	var api *apiError
	if !errors.As(err, &api) {
		api = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "the broker failed; try again later"}
	}
	if api.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((api.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, api.Status, map[string]string{"error": api.Code, "message": api.Message})
}

// decode reads body, a JSON object, into v, and checks that each required
// field is there and short.
func decode(body []byte, v any, fields map[string]*string, required ...string) error {
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("the body is not the JSON object docs/broker.md describes")
	}
	for _, name := range required {
		if *fields[name] == "" {
			return badRequest("%s is missing", name)
		}
	}
	for name, value := range fields {
		if len(*value) > maxFieldBytes {
			return badRequest("%s is longer than %d bytes", name, maxFieldBytes)
		}
	}
	return nil
}

// scopes are EXchange's (seed 004); the default asks for all.
var scopes = []string{"profile", "history", "trade"}

func (s *Server) start(r *http.Request, body []byte) (any, error) {
	var req struct {
		RedirectURI string `json:"redirect_uri"`
		Scope       string `json:"scope"`
		State       string `json:"state"`
	}
	if err := decode(body, &req, map[string]*string{"redirect_uri": &req.RedirectURI, "scope": &req.Scope, "state": &req.State}, "redirect_uri", "state"); err != nil {
		return nil, err
	}
	if err := checkRedirectURI(req.RedirectURI); err != nil {
		return nil, err
	}
	var asked []string
	for scope := range strings.FieldsFuncSeq(req.Scope, func(r rune) bool { return r == ' ' || r == '+' }) {
		if !contains(scopes, scope) {
			return nil, badRequest("scope %q is not one of EXchange's: %s", oneline.Clean(scope, 40), strings.Join(scopes, ", "))
		}
		if !contains(asked, scope) {
			asked = append(asked, scope)
		}
	}
	if len(asked) == 0 {
		asked = scopes
	}
	q := url.Values{
		"client_id":     {s.exchange.clientID},
		"redirect_uri":  {req.RedirectURI},
		"response_type": {"code"},
		"scope":         {strings.Join(asked, " ")}, // encoded as profile+history+trade
		"state":         {req.State},
	}
	return map[string]string{"authorize_url": s.exchange.base.String() + "/oauth/authorize?" + q.Encode()}, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkRedirectURI accepts an absolute URI (a loopback http URL or the
// app's own scheme) without a fragment.
func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.ContainsAny(s, " \t\r\n") {
		return badRequest("redirect_uri must be an absolute URI without a fragment")
	}
	return nil
}

// grantAnswer is the answer to /v1/token and /v1/refresh.
type grantAnswer struct {
	UserToken string       `json:"user_token"`
	ExpiresAt string       `json:"expires_at"`
	Grant     *grantHandle `json:"grant,omitempty"`
}

type grantHandle struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

func answer(t tokens) *grantAnswer {
	return &grantAnswer{UserToken: t.userToken, ExpiresAt: t.expiresAt.UTC().Format(time.RFC3339)}
}

func (s *Server) token(r *http.Request, body []byte) (any, error) {
	var req struct {
		Code        string `json:"code"`
		RedirectURI string `json:"redirect_uri"`
	}
	if err := decode(body, &req, map[string]*string{"code": &req.Code, "redirect_uri": &req.RedirectURI}, "code", "redirect_uri"); err != nil {
		return nil, err
	}
	if err := checkRedirectURI(req.RedirectURI); err != nil {
		return nil, err
	}
	t, err := s.exchange.token(r.Context(), "the code exchange", url.Values{
		"code": {req.Code}, "grant_type": {"authorization_code"}, "redirect_uri": {req.RedirectURI},
	})
	if err != nil {
		return nil, err
	}
	if t.refreshToken == "" {
		return nil, exchangeFailed("EXchange's answer to the code exchange has no refresh token")
	}
	id, secret := randomToken(grantIDBytes), randomToken(grantSecretBytes)
	g := Grant{
		ID:              id,
		SecretHash:      hashSecret(secret),
		RefreshSealed:   s.sealer.seal(t.refreshToken, "refresh", id),
		UserTokenSealed: s.sealer.seal(t.userToken, "user", id),
		ExpiresAt:       t.expiresAt,
		RefreshedAt:     s.now(),
	}
	if err := s.store.Create(r.Context(), g); err != nil {
		return nil, fmt.Errorf("storing a new grant: %w", err)
	}
	logGrant(r, id)
	a := answer(t)
	a.Grant = &grantHandle{ID: id, Secret: secret}
	return a, nil
}

// logGrant names the grant in the request's access log entry.
func logGrant(r *http.Request, id string) {
	if entry, ok := r.Context().Value(accessKey{}).(*accessEntry); ok && looksLikeGrantID(id) {
		entry.grant = id
	}
}

// grantRequest is the body of /v1/refresh and /v1/revoke.
type grantRequest struct {
	GrantID     string `json:"grant_id"`
	GrantSecret string `json:"grant_secret"`
}

// authorize checks the grant secret against its hash, then counts the
// request against the grant's rate limit: only a request that proves the
// secret spends it. A failed proof counts against the client's address.
// With claim, it also tries to claim the grant's refresh lease.
func (s *Server) authorize(r *http.Request, body []byte, claim *Lease) (Grant, bool, error) {
	var req grantRequest
	if err := decode(body, &req, map[string]*string{"grant_id": &req.GrantID, "grant_secret": &req.GrantSecret}, "grant_id", "grant_secret"); err != nil {
		return Grant{}, false, err
	}
	now := s.now()
	window := now.Unix() / int64(RateWindow/time.Second)
	g, count, held, err := s.store.CountRequest(r.Context(), req.GrantID, hashSecret(req.GrantSecret), window, s.rateLimit, claim)
	if errors.Is(err, ErrNoGrant) {
		if limited := s.countAddress(r); limited != nil {
			return Grant{}, false, limited
		}
		return Grant{}, false, errBadGrant
	}
	if err != nil {
		return Grant{}, false, err
	}
	logGrant(r, g.ID)
	if count > s.rateLimit {
		next := time.Unix((window+1)*int64(RateWindow/time.Second), 0)
		return Grant{}, false, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: next.Sub(now),
			Message: fmt.Sprintf("more than %d requests for this grant in %s; try again later", s.rateLimit, RateWindow)}
	}
	return g, held, nil
}

func (s *Server) grantError(err error) error {
	if errors.Is(err, ErrNoGrant) {
		return errBadGrant
	}
	return err
}

func (s *Server) revoke(r *http.Request, body []byte) (any, error) {
	g, _, err := s.authorize(r, body, nil)
	if err != nil {
		return nil, err
	}
	if err := s.store.Delete(r.Context(), g.ID); err != nil {
		return nil, s.grantError(err)
	}
	// A refresh under way finds its grant gone and revokes what it got.
	if refreshToken, _, err := s.sealer.open(g.RefreshSealed, "refresh", g.ID); err == nil {
		s.revokeAtExchange(context.WithoutCancel(r.Context()), g.ID, refreshToken)
	}
	return nil, nil
}

// revokeAtExchange asks EXchange to forget a refresh token the broker
// forgot; it is best effort: a failure is logged, not answered.
func (s *Server) revokeAtExchange(ctx context.Context, grantID, refreshToken string) {
	if err := s.exchange.revoke(ctx, refreshToken); err != nil {
		s.log.Warn("EXchange did not revoke a forgotten grant's refresh token", "grant", grantID, "reason", err.Error())
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check: the database does not answer", "err", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
