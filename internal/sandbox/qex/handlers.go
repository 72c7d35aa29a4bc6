package qex

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/qexcompanion/qex-companion/internal/sandbox/seedaccounts"
)

// envelope is the wrapper of every JSON response.
type envelope struct {
	Success     bool   `json:"success"`
	Environment string `json:"environment"`
	Message     string `json:"message"`
	Payload     any    `json:"payload"`
}

const environment = "SANDBOX"

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/session", only(http.MethodPost, s.createSession))
	mux.HandleFunc("/api/v1/session/{id}/liquid_oauth", s.consent)
	mux.HandleFunc("/api/v1/session/{id}/accounts", only(http.MethodGet, s.signedCall(s.accounts)))
	mux.HandleFunc("/api/v1/session/{id}/accounts/{currency}", only(http.MethodGet, s.signedCall(s.account)))
	mux.HandleFunc("/api/v1/session/{id}/kyc_state", only(http.MethodGet, s.signedCall(s.kycState)))
	mux.HandleFunc("/api/v1/session/{id}/terminate", only(http.MethodGet, s.signedCall(s.terminate)))
	mux.HandleFunc("/api/v1/settlement/currencies", only(http.MethodGet, s.settlementCurrencies))
	s.widgetRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "No such API endpoint: "+r.URL.Path)
	})
	return mux
}

// only answers 405 with an envelope for any method but method.
func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			fail(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here; use "+method+".")
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, env envelope) {
	env.Environment = environment
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(env) //nolint:errcheck // the client went away
}

func ok(w http.ResponseWriter, message string, payload any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Message: message, Payload: payload})
}

func fail(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, envelope{Success: false, Message: message})
}

// publicKeyPattern is what a sandbox partner key looks like.
var publicKeyPattern = regexp.MustCompile(`^pk_sandbox_[A-Za-z0-9-]{8,64}$`)

func checkPublicKey(key string) (int, string) {
	switch {
	case key == "":
		return http.StatusBadRequest, "public_api_key is required."
	case strings.HasPrefix(key, "pk_") && !strings.HasPrefix(key, "pk_sandbox_"):
		return http.StatusUnauthorized, "This is not a sandbox key: the sandbox accepts only pk_sandbox_ keys."
	case !publicKeyPattern.MatchString(key):
		return http.StatusUnauthorized, "Unknown public_api_key."
	}
	return 0, ""
}

// maxCreateBody bounds a create-session request: it holds one key.
const maxCreateBody = 64 << 10

// failBody refuses a request body that could not be read: 413 when it was
// too large, 400 with msg otherwise.
func failBody(w http.ResponseWriter, err error, msg string) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d KiB.", tooLarge.Limit>>10))
		return
	}
	fail(w, http.StatusBadRequest, msg)
}

// createSession handles POST /api/v1/session with a JSON or form body.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxCreateBody)
	var key string
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseForm(); err != nil {
			failBody(w, err, "The form body cannot be read.")
			return
		}
		key = r.PostForm.Get("public_api_key")
	default:
		var body struct {
			PublicAPIKey string `json:"public_api_key"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			failBody(w, err, "The body must be JSON like {\"public_api_key\": \"pk_...\"}.")
			return
		}
		key = body.PublicAPIKey
	}
	if status, msg := checkPublicKey(key); status != 0 {
		fail(w, status, msg)
		return
	}
	sess := s.newSession(key)
	ok(w, "Session created.", map[string]any{
		"public_api_key": sess.publicAPIKey,
		"session_id":     sess.id,
		"session_secret": sess.secret,
		"environment":    environment,
		"client_info":    map[string]string{"ip_country": "SG"},
		"_links": map[string]any{
			"terms_of_service": map[string]string{"href": termsURL},
		},
		"default_transaction":  nil,
		"widget_configuration": nil,
	})
}

const termsURL = "https://help.liquid.com/en/articles/3969828-quick-exchange-by-liquid-end-user-terms-of-use"

// signedCall verifies the session and its JWT, then refuses sessions the user
// has not approved, before handing over to h.
func (s *Server) signedCall(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, reason := s.lookup(r.PathValue("id"))
		if sess == nil {
			fail(w, http.StatusNotFound, reason)
			return
		}
		if msg := s.verify(r, sess); msg != "" {
			fail(w, http.StatusUnauthorized, msg)
			return
		}
		s.mu.Lock()
		approved, denied := sess.approved, sess.denied
		s.mu.Unlock()
		switch {
		case denied:
			fail(w, http.StatusUnauthorized, "Session not authorized: the user denied it.")
			return
		case !approved:
			fail(w, http.StatusUnauthorized, "Session not authorized: the user has not approved it yet.")
			return
		}
		h(w, r, sess)
	}
}

func (s *Server) accounts(w http.ResponseWriter, _ *http.Request, _ *session) {
	cryptos, fiats := seededAccounts()
	ok(w, "", map[string]any{"crypto_accounts": cryptos, "fiat_accounts": fiats})
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, _ *session) {
	currency := strings.ToUpper(r.PathValue("currency"))
	cryptos, fiats := seededAccounts()
	withAddress := r.URL.Query().Get("require_address") == "true"
	for _, a := range cryptos {
		if a.Currency == currency {
			if withAddress && a.Address == nil {
				a.Address = seedaccounts.Ptr(depositAddress(currency))
			}
			ok(w, "", a)
			return
		}
	}
	for _, a := range fiats {
		if a.Currency == currency {
			if withAddress && a.SendToBTCAddress == nil {
				a.SendToBTCAddress = seedaccounts.Ptr(depositAddress("BTC"))
			}
			ok(w, "", a)
			return
		}
	}
	fail(w, http.StatusNotFound, "The user has no "+currency+" account.")
}

func (s *Server) kycState(w http.ResponseWriter, _ *http.Request, _ *session) {
	done := kycCheck{Approved: true, Submitted: true, Reviewed: true, Required: true}
	ok(w, "", map[string]any{
		"liquid_user_id":   sandboxUser.ID,
		"identification":   done,
		"contact":          done,
		"liveness":         done,
		"proof_of_address": kycCheck{Deferrable: true, Required: false},
	})
}

type kycCheck struct {
	Approved   bool `json:"approved"`
	Submitted  bool `json:"submitted"`
	Deferrable bool `json:"deferrable"`
	Reviewed   bool `json:"reviewed"`
	Required   bool `json:"required"`
}

func (s *Server) terminate(w http.ResponseWriter, _ *http.Request, sess *session) {
	s.mu.Lock()
	sess.terminated = true
	s.saveStateLocked()
	s.mu.Unlock()
	ok(w, "Session terminated.", true)
}

func (s *Server) settlementCurrencies(w http.ResponseWriter, r *http.Request) {
	if status, msg := checkPublicKey(r.URL.Query().Get("public_api_key")); status != 0 {
		fail(w, status, msg)
		return
	}
	ok(w, "", slices.Clone(settlementCurrencies))
}
