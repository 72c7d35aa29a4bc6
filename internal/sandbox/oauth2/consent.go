package oauth2

import (
	"crypto/subtle"
	"embed"
	"net/http"
	"net/url"

	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
)

// The consent page is in the sandbox's frame; the other pages are its
// message page.
var (
	//go:embed consent.html
	pageFS embed.FS

	consentTP = webpage.Template(pageFS, "consent.html")
	writePage = webpage.WriteMessage
)

// loginPage serves GET /login: the page where the user approves an app's
// request for an authorization code.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Open the sign-in link from the app in your browser.")
		return
	}
	q := r.URL.Query()
	app, known := s.apps[q.Get("client_id")]
	redirectURI := q.Get("redirect_uri")
	// An unknown client or return address is told to the user, never
	// redirected to (RFC 6749 §4.1.2.1).
	if !known {
		writePage(w, r, http.StatusBadRequest, "Unknown application", "This sign-in link names no registered application. Go back to the app and check its client id.")
		return
	}
	if !webpage.Registered(app.RedirectURIs, redirectURI) {
		writePage(w, r, http.StatusBadRequest, "Unregistered return address", "This sign-in link would send you to an address the application did not register. Go back to the app and start again.")
		return
	}
	fail := func(code, desc string) {
		http.Redirect(w, r, webpage.WithParams(redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": {q.Get("state")}}), http.StatusSeeOther)
	}
	scopes, scopesOK := knownScopes(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
	case q.Get("state") == "":
		fail("invalid_request", "state is required")
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE is required with code_challenge_method=S256")
	case len(q.Get("code_challenge")) != 43:
		fail("invalid_request", "code_challenge must be a base64url SHA-256 of the verifier (43 characters)")
	case !scopesOK:
		fail("invalid_scope", "scope must be a comma-separated list of known scopes, e.g. delegated:all")
	default:
		c := &consent{app: app, redirectURI: redirectURI, state: q.Get("state"), scope: q.Get("scope"),
			challenge: q.Get("code_challenge"), csrf: newToken(), expires: s.now().Add(s.codeLife)}
		id := newToken()
		s.mu.Lock()
		s.dropExpiredLocked()
		s.consents[id] = c
		s.mu.Unlock()
		// The form's answer redirects to the app: the page may post there.
		webpage.Write(w, http.StatusOK, consentTP, "consent.html", map[string]any{
			"Title": "Allow " + app.Name, "AppName": app.Name, "Lang": acceptlang.Preferred(r),
			"UserName": s.user.FirstName + " " + s.user.LastName, "UserInitial": string([]rune(s.user.FirstName + "?")[:1]),
			"UserEmail": s.user.Email, "Scopes": scopes, "RedirectURI": redirectURI,
			// The action is relative: the page is at <mount>/login.
			"Action": "login/decision", "Request": id, "CSRF": c.csrf,
		}, webpage.FormSource(redirectURI))
	}
}

// decisionForm takes Approve or Deny and sends the browser back with a
// code or error=access_denied, and the app's state.
func (s *Server) decisionForm(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Open the sign-in link from the app in your browser.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, webpage.MaxForm)
	if err := r.ParseForm(); err != nil {
		writePage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back to the app and start again.")
		return
	}
	id := r.PostForm.Get("request")
	s.mu.Lock()
	c := s.consents[id]
	valid := c != nil && s.now().Before(c.expires) && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf_token")), []byte(c.csrf)) == 1
	decision := r.PostForm.Get("decision")
	if valid && (decision == "approve" || decision == "deny") {
		delete(s.consents, id) // one decision per request
	}
	s.mu.Unlock()
	switch {
	case !valid:
		writePage(w, r, http.StatusForbidden, "This sign-in is no longer valid", "It expired, was already answered, or the form was not this page's. Go back to the app and start again.")
	case decision == "deny":
		http.Redirect(w, r, webpage.WithParams(c.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user denied the request"}, "state": {c.state}}), http.StatusSeeOther)
	case decision == "approve":
		code := newToken()
		s.mu.Lock()
		s.codes[tokenKey(code)] = &issued{clientID: c.app.ID, scope: c.scope, user: true, redirectURI: c.redirectURI, challenge: c.challenge, expires: s.now().Add(s.codeLife)}
		s.saveStateLocked()
		s.mu.Unlock()
		http.Redirect(w, r, webpage.WithParams(c.redirectURI, url.Values{"code": {code}, "state": {c.state}}), http.StatusSeeOther)
	default:
		writePage(w, r, http.StatusBadRequest, "Bad request", "Choose Approve or Deny.")
	}
}
