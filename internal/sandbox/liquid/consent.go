package liquid

import (
	"crypto/subtle"
	"embed"
	"net/http"

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

// pageFor checks a request can still be decided; if not, it writes the page
// that says why and returns false.
func (s *Server) pageFor(w http.ResponseWriter, r *http.Request, req oauthRequest, found bool) bool {
	switch {
	case !found:
		writePage(w, r, http.StatusNotFound, "Request not found", "This approval link is not valid. Go back to %s and start again.", appName)
	case req.state == approved:
		writePage(w, r, http.StatusConflict, "Already approved", "You already approved this request. You can close this window and return to %s.", appName)
	case req.state == denied:
		writePage(w, r, http.StatusConflict, "Already denied", "You already denied this request. Go back to %s to start again.", appName)
	case !s.now().Before(req.expires):
		writePage(w, r, http.StatusGone, "Request expired", "This approval request has expired. Go back to %s and start again.", appName)
	default:
		return true
	}
	return false
}

// consentPage serves GET /oauth?ref=<public id>, the app_challenge_href.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request) {
	if !s.pageAllowed(w, r, http.MethodGet) {
		return
	}
	req, found := s.snapshot(r.URL.Query().Get("ref"))
	if !s.pageFor(w, r, req, found) {
		return
	}
	webpage.Write(w, http.StatusOK, consentTP, "consent.html", map[string]any{
		"Title":       "Allow " + appName,
		"Lang":        acceptlang.Preferred(r),
		"AppName":     appName,
		"UserName":    sandboxUser.LastName + " " + sandboxUser.FirstName,
		"UserInitial": string([]rune(sandboxUser.LastName)[:1]),
		"UserEmail":   sandboxUser.Email,
		"Expires":     req.expires.UTC().Format("15:04 UTC"),
		"Action":      mountPrefix(r) + "/oauth/decision",
		"Ref":         req.publicID,
		"CSRF":        req.csrf,
	}, "")
}

// decisionForm takes the user's Approve or Deny from the consent page.
func (s *Server) decisionForm(w http.ResponseWriter, r *http.Request) {
	if !s.pageAllowed(w, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, webpage.MaxForm)
	if err := r.ParseForm(); err != nil {
		writePage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Reload the approval page and try again.")
		return
	}
	req, found := s.snapshot(r.PostForm.Get("ref"))
	if !s.pageFor(w, r, req, found) {
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf_token")), []byte(req.csrf)) != 1 {
		writePage(w, r, http.StatusForbidden, "This form is not valid", "Reload the approval page and try again.")
		return
	}
	var err error
	var title, text string
	switch r.PostForm.Get("decision") {
	case "approve":
		err = s.Approve(req.publicID)
		title, text = "Access approved", "%[1]s can now see your profile and balances. You can close this window and return to %[1]s."
	case "deny":
		err = s.Deny(req.publicID)
		title, text = "Access denied", "Nothing was shared. You can close this window and return to %s."
	default:
		writePage(w, r, http.StatusBadRequest, "Bad request", "Choose Approve or Deny.")
		return
	}
	if err != nil {
		// Decided or expired between the check above and now: say which.
		req, found = s.snapshot(req.publicID)
		if s.pageFor(w, r, req, found) {
			writePage(w, r, http.StatusConflict, "Request not decided", "Reload the approval page and try again.")
		}
		return
	}
	writePage(w, r, http.StatusOK, title, text, appName)
}

// pageAllowed writes the page for an unavailable server or a wrong method.
func (s *Server) pageAllowed(w http.ResponseWriter, r *http.Request, method string) bool {
	switch {
	case s.down.Load():
		writePage(w, r, http.StatusServiceUnavailable, "Liquid is unavailable", "Liquid is under maintenance. Try again in a few minutes.")
	case r.Method != method:
		w.Header().Set("Allow", method)
		writePage(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Open the approval link from %s in your browser.", appName)
	default:
		return true
	}
	return false
}
