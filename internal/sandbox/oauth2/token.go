package oauth2

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
)

// oauthError answers an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="liquid-sandbox"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// readForm reads a form-encoded POST body (the documents' only format),
// bounded; it answers the error itself and returns false.
func readForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return false
	}
	if media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); media != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "send the parameters as form data (application/x-www-form-urlencoded)")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, webpage.MaxForm)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form could not be read (at most 16 KiB)")
		return false
	}
	return true
}

// tokenEndpoint serves POST /oauth/token.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if !readForm(w, r) {
		return
	}
	f := r.PostForm
	app, known := s.apps[f.Get("client_id")]
	secret := f.Get("client_secret")
	switch {
	case f.Get("grant_type") == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	case f.Get("client_id") == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return
	case !known:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	case secret != "" && (app.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1):
		oauthError(w, http.StatusUnauthorized, "invalid_client", "wrong client_secret")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, r, app)
	case "refresh_token":
		s.refreshGrant(w, r, app)
	case "client_credentials":
		s.clientGrant(w, r, app)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token or client_credentials")
	}
}

// take removes and returns a code or refresh token: each is good once.
func (s *Server) take(m map[string]*issued, token string) *issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := tokenKey(token)
	v := m[key]
	if v != nil {
		delete(m, key)
		s.saveStateLocked()
	}
	return v
}

func (s *Server) codeGrant(w http.ResponseWriter, r *http.Request, app App) {
	f := r.PostForm
	if f.Get("code") == "" || f.Get("redirect_uri") == "" || f.Get("code_verifier") == "" || f.Get("scope") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code, redirect_uri, scope and code_verifier are required")
		return
	}
	code := s.take(s.codes, f.Get("code"))
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case code == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or already used authorization code")
	case !s.now().Before(code.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the authorization code expired")
	case code.clientID != app.ID || code.redirectURI != f.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the authorization code was issued to another client or redirect_uri")
	case subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(code.challenge)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the PKCE code_verifier does not match the code_challenge")
	case !subset(f.Get("scope"), code.scope):
		oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must be the one approved, or part of it")
	default:
		s.issue(w, &issued{clientID: app.ID, scope: f.Get("scope"), user: true}, true)
	}
}

func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request, app App) {
	if r.PostForm.Get("refresh_token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	old := s.take(s.refresh, r.PostForm.Get("refresh_token")) // rotation: an old one is refused
	switch {
	case old == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or already used refresh token")
	case !s.now().Before(old.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token expired")
	case old.clientID != app.ID:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
	default:
		s.issue(w, &issued{clientID: app.ID, scope: old.scope, user: old.user}, true)
	}
}

func (s *Server) clientGrant(w http.ResponseWriter, r *http.Request, app App) {
	scope := r.PostForm.Get("scope")
	switch {
	case app.Secret == "":
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "a public client cannot use client_credentials")
	case r.PostForm.Get("client_secret") == "":
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_secret is required")
	case scope == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "scope is required")
	default:
		if _, ok := knownScopes(scope); !ok {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must be a comma-separated list of known scopes")
			return
		}
		s.issue(w, &issued{clientID: app.ID, scope: scope}, false)
	}
}

// issue answers a new access token for grant, and a refresh token with it.
func (s *Server) issue(w http.ResponseWriter, grant *issued, withRefresh bool) {
	now := s.now()
	access := *grant
	access.expires = now.Add(s.accessLife)
	body := map[string]any{"access_token": newToken(), "token_type": "Bearer", "expires_in": int(s.accessLife.Seconds())}
	s.mu.Lock()
	s.dropExpiredLocked()
	s.access[tokenKey(body["access_token"].(string))] = &access
	if withRefresh {
		refresh := *grant
		refresh.expires = now.Add(s.refreshLife)
		body["refresh_token"] = newToken()
		s.refresh[tokenKey(body["refresh_token"].(string))] = &refresh
	}
	s.saveStateLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// subset reports whether every scope of asked is in granted.
func subset(asked, granted string) bool {
	have := strings.Split(granted, ",")
	for _, a := range strings.Split(asked, ",") {
		if !slices.Contains(have, a) {
			return false
		}
	}
	return true
}

// validAccess returns what a live access token grants.
func (s *Server) validAccess(token string) (issued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.access[tokenKey(token)]
	if a == nil || !s.now().Before(a.expires) {
		return issued{}, false
	}
	return *a, true
}

// userJSON is the user as introspect shows it: camelCase, like the seed.
func (s *Server) userJSON() map[string]any {
	u := s.user
	return map[string]any{
		"_id": u.ID, "username": u.Username, "firstName": u.FirstName, "lastName": u.LastName,
		"preferredLanguage": "en", "role": u.Role, "verified": u.Verified, "followingCount": 0, "followerCount": 0,
		"isPrivate": false, "email": u.Email, "emailVerified": u.Verified, "isSubscribed": false, "credits": 0,
		"isActive": true, "isBanned": false, "isRestricted": false, "deleted": false,
		"createdAt": jsTime(u.Created), "updatedAt": jsTime(u.Created), "customLink": nil, "profilePicturePath": nil,
	}
}

// jsTime formats like the seed's samples: 2023-09-26T18:54:14.821Z.
func jsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// introspect serves POST /oauth/token/introspect. For an unknown or
// expired token the seed gives no answer; this emulator says 401 with an
// OAuth error body (our decision).
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if !readForm(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	a, ok := s.validAccess(token)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": 0, "error": "invalid_token", "error_description": "the token is unknown or expired"})
		return
	}
	var user any
	if a.user {
		user = s.userJSON()
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": 1, "data": map[string]any{"tokenInfo": map[string]any{
		"accessToken": token, "accessTokenExpiresAt": jsTime(a.expires), "scope": a.scope, "user": user,
	}}})
}

// bearer authenticates an API call, answering 401 itself when it fails.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) (issued, bool) {
	challenge := `Bearer realm="liquid-sandbox"`
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		w.Header().Set("WWW-Authenticate", challenge)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "send Authorization: Bearer <access token>"})
		return issued{}, false
	}
	a, ok := s.validAccess(token)
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token", error_description="the access token is unknown or expired"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the access token is unknown or expired"})
		return issued{}, false
	}
	return a, true
}

// apiMe serves GET /api/me: the user a delegated token acts for.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
		return
	}
	a, ok := s.bearer(w, r)
	if !ok {
		return
	}
	if !a.user {
		w.Header().Set("WWW-Authenticate", `Bearer realm="liquid-sandbox", error="insufficient_scope", error_description="a client-credentials token acts for no user"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": "a client-credentials token acts for no user"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": 1, "data": map[string]any{"user": s.userJSON()}})
}

// apiScopes serves GET /api/scopes: what the token may do, and until when.
func (s *Server) apiScopes(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
		return
	}
	a, ok := s.bearer(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": 1, "data": map[string]any{"clientId": a.clientID, "scopes": strings.Split(a.scope, ","), "expiresAt": jsTime(a.expires)}})
}
