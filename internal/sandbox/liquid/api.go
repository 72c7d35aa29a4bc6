package liquid

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds request bodies of the JSON API.
const maxBody = 64 << 10

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/system/oauth_requests", s.available(only(http.MethodPost, s.createOAuthRequest)))
	mux.HandleFunc("/oauth/{id}/approve", s.available(only(http.MethodGet, s.challengeStatus)))
	mux.HandleFunc("/user/context", s.available(only(http.MethodGet, s.userContext)))
	mux.HandleFunc("/accounts", s.available(only(http.MethodGet, s.accounts)))
	mux.HandleFunc("/oauth", s.consentPage)
	mux.HandleFunc("/oauth/decision", s.decisionForm)
	mux.HandleFunc("/", s.available(func(w http.ResponseWriter, _ *http.Request) {
		writeMessage(w, http.StatusNotFound, "not found")
	}))
	return mux
}

// available answers 503 while the server is made unavailable.
func (s *Server) available(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			writeMessage(w, http.StatusServiceUnavailable, "service unavailable; try again later")
			return
		}
		h(w, r)
	}
}

// only answers 405 for any method but method.
func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeMessage(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use "+method)
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// writeMessage writes the documented {"message": "..."} error shape.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfterSeconds(e.retryAfter))
	}
	writeMessage(w, e.status, e.message)
}

// createOAuthRequest handles POST /system/oauth_requests {"external_ref": "..."}.
// external_ref is optional ("not used by liquid"), so an empty body is fine.
func (s *Server) createOAuthRequest(w http.ResponseWriter, r *http.Request) {
	claims, aerr := s.authenticate(r, systemClaims)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			writeMessage(w, http.StatusRequestEntityTooLarge, "request body too large (limit 64 KiB)")
			return
		}
		writeMessage(w, http.StatusBadRequest, "cannot read the request body")
		return
	}
	if status, v := checkCreateBody(body); status != 0 {
		writeJSON(w, status, v)
		return
	}
	req := s.createRequest(string(claims.TokenID))
	base := s.base(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"oauth_request_public_id":  req.publicID,
		"oauth_request_private_id": req.privateID,
		// The seed leaves expires untyped; we send epoch seconds as a JSON
		// number (providers.md: clients accept this and ISO 8601).
		"expires":            req.expires.Unix(),
		"app_challenge_href": base + "/oauth?ref=" + url.QueryEscape(req.publicID),
		"api_challenge_href": base + "/oauth/" + url.PathEscape(req.publicID) + "/approve",
	})
}

// checkCreateBody validates the create body; it returns 0 when it is good,
// else the status and the error body in a documented shape.
func checkCreateBody(body []byte) (int, any) {
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || dec.More() || fields == nil {
		return http.StatusBadRequest, map[string]string{"message": `the body must be a JSON object like {"external_ref": "..."}`}
	}
	if ref, present := fields["external_ref"]; present && string(ref) != "null" && !strings.HasPrefix(string(ref), `"`) {
		return http.StatusUnprocessableEntity, map[string]any{"errors": map[string][]string{"external_ref": {"must_be_string"}}}
	}
	return 0, nil
}

// challengeStatus handles GET /oauth/{id}/approve, the api_challenge_href:
// the app that created the request may read its status.
func (s *Server) challengeStatus(w http.ResponseWriter, r *http.Request) {
	claims, aerr := s.authenticate(r, systemClaims)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	req, found := s.snapshot(r.PathValue("id"))
	if !found || req.tokenID != string(claims.TokenID) {
		writeMessage(w, http.StatusNotFound, "oauth request not found")
		return
	}
	status := req.state.String()
	if req.state == pending && !s.now().Before(req.expires) {
		status = "expired"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"oauth_request_public_id": req.publicID,
		"status":                  status,
		"expires":                 req.expires.Unix(),
	})
}

// userCall authenticates a call signed with the OAuth ids and requires the
// request to be approved and unexpired.
func (s *Server) userCall(w http.ResponseWriter, r *http.Request) (*callClaims, bool) {
	claims, aerr := s.authenticate(r, userClaims)
	if aerr == nil {
		_, aerr = s.approvedRequest(claims)
	}
	if aerr != nil {
		writeError(w, aerr)
		return nil, false
	}
	return claims, true
}

func (s *Server) userContext(w http.ResponseWriter, r *http.Request) {
	claims, ok := s.userCall(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, seededUserContext(string(claims.TokenID)))
}

func (s *Server) accounts(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.userCall(w, r); !ok {
		return
	}
	cryptos, fiats := seededAccounts()
	writeJSON(w, http.StatusOK, map[string]any{"crypto_accounts": cryptos, "fiat_accounts": fiats})
}
