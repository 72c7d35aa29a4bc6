package qex

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// callClaims are the claims every signed session call carries; verify
// refuses tokens with any other (the embedded registered claims are only
// there to satisfy the library's interface).
type callClaims struct {
	Path      string `json:"path"`
	SessionID string `json:"session_id"`
	Nonce     int64  `json:"nonce"`
	jwt.RegisteredClaims
}

var wantClaims = []string{"nonce", "path", "session_id"}

// verify checks the request's bearer JWT against sess and records its nonce.
// It returns "" when the call is authentic, else the reason it is not.
func (s *Server) verify(r *http.Request, sess *session) string {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		return "Missing Authorization: Bearer <jwt> header."
	}
	var claims callClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	_, err := parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return []byte(sess.secret), nil
	})
	if err != nil {
		// The library's reasons are short and name the problem, e.g.
		// "token signature is invalid: signing method none is invalid".
		return "Invalid JWT (sign with HS256 over the session_secret): " + err.Error()
	}
	if names := claimNames(token); !slices.Equal(names, wantClaims) {
		return "Invalid JWT claims: want exactly path, session_id and nonce."
	}
	if claims.SessionID != sess.id {
		return "Invalid JWT: session_id does not match the session in the path."
	}
	if claims.Path != r.URL.RequestURI() {
		return "Invalid JWT: path does not match the request path (include /api/v1 and the query)."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if claims.Nonce <= sess.lastNonce {
		return "Invalid JWT: nonce must increase with every call (replayed or out of order)."
	}
	sess.lastNonce = claims.Nonce
	s.saveStateLocked()
	return ""
}

// claimNames returns the sorted claim names of an already verified token.
func claimNames(token string) []string {
	parts := strings.Split(token, ".")
	raw, err := jwt.NewParser().DecodeSegment(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}
