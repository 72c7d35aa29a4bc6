package exchange

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
)

// The pages use the sandbox's shared style with EXchange's own layout.
var (
	//go:embed pages.html
	pageFS embed.FS

	pages = template.Must(template.New("pages").Funcs(webpage.Funcs).ParseFS(pageFS, "pages.html"))
)

// scopeMeaning says on the consent page what each scope allows.
var scopeMeaning = map[string]string{
	"profile": "read your profile and balances",
	"history": "read your orders and trades",
	"trade":   "buy and sell on markets",
}

// writePage answers with EXchange's message page, in the browser's
// language (see webpage.WriteMessage).
func writePage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	webpage.Write(w, status, pages, "message", webpage.Message(r, title, text), "")
}

// parseScope reads scopes separated by spaces or '+' (a '+' in a query is
// already a space), in EXchange's order, refusing unknown ones.
func parseScope(scope string) (string, bool) {
	asked := strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' || r == '+' })
	var known []string
	for _, s := range Scopes {
		if slices.Contains(asked, s) {
			known = append(known, s)
		}
	}
	for _, a := range asked {
		if !slices.Contains(Scopes, a) {
			return "", false
		}
	}
	return strings.Join(known, " "), len(known) > 0
}

// authorize serves /oauth/authorize: GET shows the consent page, POST
// takes the member's decision.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.consentPage(w, r)
	case http.MethodPost:
		s.decide(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Open the sign-in link from the app in your browser.")
	}
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirectURI := q.Get("redirect_uri")
	// An unknown client or return address is told to the member, never
	// redirected to (RFC 6749 §4.1.2.1).
	if q.Get("client_id") != s.app.ID {
		writePage(w, r, http.StatusBadRequest, "Unknown application", "This sign-in link names no registered application. Go back to the app and start again.")
		return
	}
	if !webpage.Registered(s.app.RedirectURIs, redirectURI) {
		writePage(w, r, http.StatusBadRequest, "Unregistered return address", "This sign-in link would send you to an address the application did not register. Go back to the app and start again.")
		return
	}
	fail := func(code, desc string) {
		http.Redirect(w, r, webpage.WithParams(redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": {q.Get("state")}}), http.StatusFound)
	}
	scope, scopeOK := parseScope(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !scopeOK:
		fail("invalid_scope", "scope must be some of profile, history and trade")
		return
	}
	c := &consent{redirectURI: redirectURI, state: q.Get("state"), scope: scope, csrf: randomHex(32), expires: s.now().Add(s.codeLife)}
	id := randomHex(32)
	s.mu.Lock()
	s.dropExpiredLocked()
	s.consents[id] = c
	s.mu.Unlock()
	type shownScope struct{ Name, Meaning string }
	var shown []shownScope
	for _, sc := range strings.Fields(scope) {
		shown = append(shown, shownScope{sc, scopeMeaning[sc]})
	}
	// The form's answer redirects to the app: the page may post there.
	webpage.Write(w, http.StatusOK, pages, "consent", map[string]any{
		"Title": "Authorize " + s.app.Name, "AppName": s.app.Name,
		"MemberName": s.member.Name, "MemberEmail": s.member.Email, "Initial": string([]rune(s.member.Name + "?")[:1]),
		"Scopes": shown, "RedirectURI": redirectURI, "Request": id, "CSRF": c.csrf, "Lang": acceptlang.Preferred(r),
	}, webpage.FormSource(redirectURI))
}

// decide takes Authorize or Deny and sends the browser back with a code or
// error=access_denied, and the state.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, webpage.MaxForm)
	if err := r.ParseForm(); err != nil {
		writePage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back to the app and start again.")
		return
	}
	id, decision := r.PostForm.Get("request"), r.PostForm.Get("decision")
	s.mu.Lock()
	c := s.consents[id]
	valid := c != nil && s.now().Before(c.expires) && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("authenticity_token")), []byte(c.csrf)) == 1
	if valid && (decision == "approve" || decision == "deny") {
		delete(s.consents, id) // one decision per request
	}
	s.mu.Unlock()
	switch {
	case !valid:
		writePage(w, r, http.StatusForbidden, "This sign-in is no longer valid", "It expired, was already answered, or the form was not this page's. Go back to the app and start again.")
	case decision == "deny":
		http.Redirect(w, r, webpage.WithParams(c.redirectURI, url.Values{"error": {"access_denied"},
			"error_description": {"The resource owner or authorization server denied the request."}, "state": {c.state}}), http.StatusFound)
	case decision == "approve":
		code := randomHex(32)
		s.mu.Lock()
		s.codes[tokenKey(code)] = &grant{Chain: randomHex(16), Scope: c.scope, RedirectURI: c.redirectURI, Expires: s.now().Add(s.codeLife)}
		s.saveStateLocked()
		s.mu.Unlock()
		params := url.Values{"code": {code}}
		if c.state != "" {
			params.Set("state", c.state)
		}
		http.Redirect(w, r, webpage.WithParams(c.redirectURI, params), http.StatusFound)
	default:
		writePage(w, r, http.StatusBadRequest, "Bad request", "Choose Authorize or Deny.")
	}
}

// oauthError answers a Doorkeeper error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// clientForm reads a form POST and authenticates the client by its id and
// secret, as the seed's calls send them; it answers the error itself.
func (s *Server) clientForm(w http.ResponseWriter, r *http.Request) bool {
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
	f := r.PostForm
	if f.Get("client_id") != s.app.ID || subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.app.Secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return false
	}
	return true
}

const invalidGrant = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

// tokenEndpoint serves POST /oauth/token: the authorization-code and
// refresh-token grants, for the confidential client only.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if !s.clientForm(w, r) {
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "authorization_code":
		if f.Get("code") == "" || f.Get("redirect_uri") == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "code and redirect_uri are required")
			return
		}
		code := s.take(s.codes, f.Get("code"))
		if code == nil || !s.now().Before(code.Expires) || code.RedirectURI != f.Get("redirect_uri") {
			oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrant)
			return
		}
		s.issue(w, code.Chain, code.Scope)
	case "refresh_token":
		if f.Get("refresh_token") == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
			return
		}
		old := s.take(s.refresh, f.Get("refresh_token")) // rotation: a used one is refused
		if old == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrant)
			return
		}
		s.issue(w, old.Chain, old.Scope)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// take removes and returns a code or refresh token: each is good once.
func (s *Server) take(m map[string]*grant, token string) *grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := tokenKey(token)
	g := m[key]
	if g != nil {
		delete(m, key)
		s.saveStateLocked()
	}
	return g
}

// issue answers a new user token and refresh token for chain, as
// Doorkeeper does with Peatio's "<access_key>:<secret_key>" token.
func (s *Server) issue(w http.ResponseWriter, chain, scope string) {
	now := s.now()
	access, refresh := newAccessKey(), randomHex(32)
	s.mu.Lock()
	s.dropExpiredLocked()
	s.keys[tokenKey(access)] = &accessKey{Chain: chain, Scope: scope, Expires: now.Add(s.keyLife)}
	s.refresh[tokenKey(refresh)] = &grant{Chain: chain, Scope: scope}
	s.saveStateLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access + ":" + s.secretKey(access), "token_type": "bearer", "expires_in": int(s.keyLife.Seconds()),
		"refresh_token": refresh, "scope": scope, "created_at": now.Unix(),
	})
}

// revokeEndpoint serves POST /oauth/revoke (RFC 7009, as Doorkeeper): a
// refresh token or user token ends its whole approval, every access key
// included. An unknown token is no error.
func (s *Server) revokeEndpoint(w http.ResponseWriter, r *http.Request) {
	if !s.clientForm(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	access, _, _ := strings.Cut(token, ":")
	s.mu.Lock()
	chain := ""
	if g := s.refresh[tokenKey(token)]; g != nil {
		chain = g.Chain
	} else if k := s.keys[tokenKey(access)]; k != nil {
		chain = k.Chain
	}
	if chain != "" {
		for key, g := range s.refresh {
			if g.Chain == chain {
				delete(s.refresh, key)
			}
		}
		for key, k := range s.keys {
			if k.Chain == chain {
				delete(s.keys, key)
				delete(s.tonces, key)
			}
		}
		s.saveStateLocked()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{})
}
