package qex

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
)

// The consent page is in the sandbox's frame, with its style.
var consentTP = webpage.Template(assets.FS, "sandbox/consent.html")

// pageHeaders keeps the consent page out of frames and from loading anything
// but its own inline styles. form-action is left open: browsers apply it to
// the redirect that follows the form, which goes to the app's return_url.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// writePage answers with a page that tells the user title and text.
var writePage = webpage.WriteMessage

// consent serves the approval page (GET) and takes the user's decision (POST).
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Open this page in a browser.")
		return
	}
	sess, reason := s.lookup(r.PathValue("id"))
	if sess == nil {
		writePage(w, r, http.StatusNotFound, "Session not found", "%s Go back to the app and start again.", reason)
		return
	}
	if r.Method == http.MethodGet {
		s.showConsent(w, r, sess)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writePage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Reload the page and try again.")
		return
	}
	if r.PostForm.Get("consent_token") != sess.consentToken {
		writePage(w, r, http.StatusForbidden, "This form has expired", "Reload the approval page and try again.")
		return
	}
	returnURL, ok := parseReturnURL(r.PostForm.Get("return_url"))
	if !ok {
		writePage(w, r, http.StatusBadRequest, "Bad return address", "The app sent a return_url that is not an absolute URL.")
		return
	}
	switch r.PostForm.Get("decision") {
	case "approve":
		s.decide(sess, true)
		if returnURL == nil {
			writePage(w, r, http.StatusOK, "You're connected", "Close this window and return to your app.")
			return
		}
		http.Redirect(w, r, returnURL.String(), http.StatusSeeOther)
	case "deny":
		s.decide(sess, false)
		if returnURL == nil {
			writePage(w, r, http.StatusOK, "Request denied", "Nothing was shared. Close this window and return to your app.")
			return
		}
		q := returnURL.Query()
		q.Set("error", "access_denied")
		q.Set("error_description", "The user denied the request.")
		returnURL.RawQuery = q.Encode()
		http.Redirect(w, r, returnURL.String(), http.StatusSeeOther)
	default:
		writePage(w, r, http.StatusBadRequest, "Bad request", "Choose Approve or Deny.")
	}
}

func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, sess *session) {
	raw := r.URL.Query().Get("return_url")
	if _, ok := parseReturnURL(raw); !ok {
		writePage(w, r, http.StatusBadRequest, "Bad return address", "The app sent a return_url that is not an absolute URL.")
		return
	}
	var buf bytes.Buffer
	err := consentTP.ExecuteTemplate(&buf, "consent.html", map[string]any{
		"CSS":          webpage.CSS,
		"Title":        "Sign in with Liquid",
		"Lang":         acceptlang.Preferred(r),
		"Action":       r.URL.Path,
		"PublicAPIKey": sess.publicAPIKey,
		"ConsentToken": sess.consentToken,
		"ReturnURL":    raw,
		"UserName":     sandboxUser.Name,
		"UserInitials": sandboxUser.Initials,
		"UserEmail":    sandboxUser.Email,
		"TermsURL":     termsURL,
	})
	if err != nil {
		writePage(w, r, http.StatusInternalServerError, "Sandbox error", "The page could not be shown.")
		return
	}
	pageHeaders(w)
	w.Write(buf.Bytes()) //nolint:errcheck // the browser went away
}

func (s *Server) decide(sess *session, approved bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.approved = approved
	sess.denied = !approved
	s.saveStateLocked()
}

// parseReturnURL accepts "" (no redirect) or an absolute URL of any scheme:
// http(s) for loopback callbacks, a custom scheme for deep links.
func parseReturnURL(raw string) (*url.URL, bool) {
	if raw == "" {
		return nil, true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Scheme == "javascript" || u.Scheme == "data" {
		return nil, false
	}
	return u, true
}
