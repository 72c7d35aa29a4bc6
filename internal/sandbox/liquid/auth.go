package liquid

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxJWT bounds the X-Quoine-Auth header we are willing to parse.
const maxJWT = 8 << 10

// tokenID is the token_id claim: public clients have sent it as a JSON string
// and as a JSON number, so both are accepted; a number must be whole.
type tokenID string

var wholeNumber = regexp.MustCompile(`^[0-9]+$`)

func (t *tokenID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = tokenID(s)
		return nil
	}
	if !wholeNumber.Match(b) {
		return errors.New("token_id must be a string or a whole number")
	}
	*t = tokenID(b)
	return nil
}

// callClaims are the claims of X-Quoine-Auth; verify refuses tokens with any
// others (the registered claims are embedded only to satisfy jwt.Claims).
type callClaims struct {
	TokenID   tokenID `json:"token_id"`
	Path      string  `json:"path"`
	Nonce     int64   `json:"nonce"`
	PublicID  string  `json:"oauth_request_public_id"`
	PrivateID string  `json:"oauth_request_private_id"`
	jwt.RegisteredClaims
}

// The exact claim sets: a system call is signed by the app's token alone; a
// user call also names the approved OAuth request (seed 001's createJwt).
var (
	systemClaims = []string{"nonce", "path", "token_id"}
	userClaims   = []string{"nonce", "oauth_request_private_id", "oauth_request_public_id", "path", "token_id"}
)

// apiError is a refusal in one of the documented shapes.
type apiError struct {
	status     int
	message    string
	retryAfter time.Duration // for 429
}

func unauthorized(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, message: msg}
}

// authenticate checks the version header and the X-Quoine-Auth JWT, applies
// the rate limit and records the nonce. wantClaims is systemClaims or
// userClaims. It returns the verified claims.
func (s *Server) authenticate(r *http.Request, wantClaims []string) (*callClaims, *apiError) {
	switch v := r.Header.Get("X-Quoine-API-Version"); {
	case v == "":
		return nil, &apiError{status: http.StatusBadRequest, message: "missing X-Quoine-API-Version header; send X-Quoine-API-Version: " + APIVersion}
	case v != APIVersion:
		return nil, &apiError{status: http.StatusBadRequest, message: "unsupported X-Quoine-API-Version; send " + APIVersion}
	}
	raw := r.Header.Get("X-Quoine-Auth")
	switch {
	case raw == "":
		return nil, unauthorized("missing X-Quoine-Auth header")
	case len(raw) > maxJWT:
		return nil, unauthorized("X-Quoine-Auth is too long")
	}
	var claims callClaims
	var token *apiToken
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	_, err := parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) {
		token = s.tokens[string(claims.TokenID)] // fixed after New: no lock needed
		if token == nil {
			return nil, errors.New("unknown token_id")
		}
		return []byte(token.secret), nil
	})
	if err != nil {
		// The library's reasons are short and name the problem, e.g.
		// "token signature is invalid: signing method none is invalid".
		return nil, unauthorized("invalid X-Quoine-Auth (an HS256 JWT signed with the API token secret): " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if wait, ok := s.allowLocked(token); !ok {
		return nil, &apiError{status: http.StatusTooManyRequests, message: "rate limit exceeded; retry later", retryAfter: wait}
	}
	if names := claimNames(raw); !slices.Equal(names, wantClaims) {
		return nil, unauthorized("invalid X-Quoine-Auth claims: want exactly " + strings.Join(wantClaims, ", "))
	}
	if claims.Path != r.URL.RequestURI() {
		return nil, unauthorized("invalid X-Quoine-Auth: path does not match the request path and query")
	}
	if claims.Nonce <= token.lastNonce {
		return nil, unauthorized("invalid X-Quoine-Auth: nonce must increase with every call (replayed or out of order)")
	}
	token.lastNonce = claims.Nonce
	return &claims, nil
}

// allowLocked counts one request against token's sliding window, or says how
// long until the oldest counted request leaves it.
func (s *Server) allowLocked(token *apiToken) (time.Duration, bool) {
	now := s.now()
	i := 0
	for i < len(token.hits) && now.Sub(token.hits[i]) >= s.period {
		i++
	}
	token.hits = token.hits[i:]
	if len(token.hits) >= s.limit {
		return token.hits[0].Add(s.period).Sub(now), false
	}
	token.hits = append(token.hits, now)
	return 0, true
}

// retryAfterSeconds renders a wait for the Retry-After header: whole seconds,
// rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// claimNames returns the sorted claim names of an already verified token.
func claimNames(raw string) []string {
	parts := strings.Split(raw, ".")
	payload, err := jwt.NewParser().DecodeSegment(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}

// approvedRequest returns the request a user call names, if it was made by
// the same token, the private id matches, and the user approved it in time.
func (s *Server) approvedRequest(c *callClaims) (oauthRequest, *apiError) {
	req, found := s.snapshot(c.PublicID)
	if !found || req.tokenID != string(c.TokenID) ||
		subtle.ConstantTimeCompare([]byte(req.privateID), []byte(c.PrivateID)) != 1 {
		return req, unauthorized("unknown oauth request for this token")
	}
	switch {
	case req.state == denied:
		return req, unauthorized("oauth request denied by the user")
	case !s.now().Before(req.expires):
		return req, unauthorized("oauth request expired")
	case req.state != approved:
		return req, unauthorized("not approved yet")
	}
	return req, nil
}
