package liquidcommerce

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds request bodies.
const maxBody = 64 << 10

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/authentication", s.authenticate)
	// The seed lists these services without their paths; the paths are
	// those of LiquidCommerce's public Cloud SDK. GET on the search, with
	// its words in the query, is our addition, so a console has a GET to
	// try.
	mux.HandleFunc("/catalog/search", s.authenticated([]string{http.MethodGet, http.MethodPost}, s.catalogSearch))
	mux.HandleFunc("/cart/update", s.authenticated([]string{http.MethodPost}, s.cartUpdate))
	mux.HandleFunc("/users/session", s.authenticated([]string{http.MethodPost}, s.userSession))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, http.StatusNotFound, "Not Found", nil)
	})
	return mux
}

// metadata is the documented Metadata object.
type metadata struct {
	Languages []string `json:"languages"`
	Timestamp int64    `json:"timestamp"` // epoch milliseconds
	Timezone  string   `json:"timezone"`
	RequestID string   `json:"requestId"`
	Path      string   `json:"path"`
	Version   string   `json:"version"`
}

// envelope is every answer: data on success, errors on failure, and auth
// when the request asked for a refresh.
type envelope struct {
	StatusCode int      `json:"statusCode"`
	Message    string   `json:"message"`
	Metadata   metadata `json:"metadata"`
	Data       any      `json:"data,omitempty"`
	Auth       *auth    `json:"auth,omitempty"`
	// Errors is a pointer so a failure shows the empty array the seed
	// shows, and a success none.
	Errors *[]apiError `json:"errors,omitempty"`
}

// apiError is one entry of an error envelope's errors array; the seed shows
// only an empty one.
type apiError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (s *Server) meta(r *http.Request) metadata {
	return metadata{
		Languages: []string{"en"},
		Timestamp: s.now().UnixMilli(),
		Timezone:  "UTC",
		RequestID: "reqid_" + strings.ToLower(rand.Text()[:16]),
		// The service reports its own path, under /api, as in the seed.
		Path:    "/api" + r.URL.Path,
		Version: APIVersion,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

func (s *Server) ok(w http.ResponseWriter, r *http.Request, data any, refreshed *auth) {
	writeJSON(w, http.StatusOK, envelope{StatusCode: http.StatusOK, Message: "OK", Metadata: s.meta(r), Data: data, Auth: refreshed})
}

// fail writes an error envelope: the HTTP status, the internal statusCode
// and an errors array (empty, as in the seed, when there are no details).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status, code int, msg string, details []apiError) {
	if details == nil {
		details = []apiError{}
	}
	writeJSON(w, status, envelope{StatusCode: code, Message: msg, Metadata: s.meta(r), Errors: &details})
}

func retryAfterSeconds(wait float64) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait))))
}

// authenticate handles GET /authentication with X-LIQUID-API-KEY.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.fail(w, r, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method Not Allowed: use GET", nil)
		return
	}
	if media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); media != "application/json" {
		s.fail(w, r, http.StatusBadRequest, http.StatusBadRequest, "Content-Type must be application/json", nil)
		return
	}
	key := r.Header.Get("X-LIQUID-API-KEY")
	if !s.knownKey(key) {
		s.fail(w, r, http.StatusUnauthorized, codeKeyNotFound, "API Key not found", nil)
		return
	}
	if wait, ok := s.allow(key); !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(wait.Seconds()))
		s.fail(w, r, http.StatusTooManyRequests, http.StatusTooManyRequests, "Too Many Requests", nil)
		return
	}
	token := s.issue()
	s.ok(w, r, token, nil)
}

// call is an authenticated request: its JSON body's fields (none for a
// GET) and the query.
type call struct {
	fields map[string]json.RawMessage
	r      *http.Request
}

// authenticated checks the method, the Bearer token and the body, and
// honours "refresh": true by adding a new token to the answer.
func (s *Server) authenticated(methods []string, h func(c call) (status int, data any, details []apiError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := false
		for _, m := range methods {
			allowed = allowed || r.Method == m
		}
		if !allowed {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			s.fail(w, r, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method Not Allowed: use "+strings.Join(methods, " or "), nil)
			return
		}
		token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || token == "" {
			s.fail(w, r, http.StatusUnauthorized, codeTokenRequired, "Access token required: send Authorization: Bearer <token>", nil)
			return
		}
		if code, msg := s.verify(token); code != 0 {
			s.fail(w, r, http.StatusUnauthorized, code, msg, nil)
			return
		}
		c := call{fields: map[string]json.RawMessage{}, r: r}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "Request body too large (limit 64 KiB)", nil)
			return
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			dec := json.NewDecoder(bytes.NewReader(raw))
			if err := dec.Decode(&c.fields); err != nil || dec.More() || c.fields == nil {
				s.fail(w, r, http.StatusBadRequest, http.StatusBadRequest, "The body must be a JSON object", nil)
				return
			}
		}
		var refresh bool
		if v, present := c.fields["refresh"]; present && json.Unmarshal(v, &refresh) != nil {
			s.fail(w, r, http.StatusBadRequest, http.StatusBadRequest, "Bad Request", []apiError{{Field: "refresh", Message: "must be a boolean"}})
			return
		}
		status, data, details := h(c)
		if status != http.StatusOK {
			s.fail(w, r, status, status, http.StatusText(status), details)
			return
		}
		var refreshed *auth
		if refresh {
			t := s.issue()
			refreshed = &t
		}
		s.ok(w, r, data, refreshed)
	}
}

// stringField reads an optional string field of the body, or of the query
// for a GET.
func (c call) stringField(name string) (string, *apiError) {
	if c.r.Method == http.MethodGet {
		return c.r.URL.Query().Get(name), nil
	}
	raw, present := c.fields[name]
	if !present || string(raw) == "null" {
		return "", nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", &apiError{Field: name, Message: "must be a string"}
	}
	return v, nil
}
