package liquidcommerce_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/liquidcommerce"
)

const apiKey = "lc_test_key_0123456789"

// harness is the emulator mounted at /liquidcommerce, as the sandbox
// serves it, with a clock the test moves.
type harness struct {
	t    *testing.T
	base string
	mu   sync.Mutex
	now  time.Time
}

func start(t *testing.T, opts ...liquidcommerce.Option) *harness {
	h := &harness{t: t, now: time.UnixMilli(1731590739955)}
	srv := liquidcommerce.New(append([]liquidcommerce.Option{liquidcommerce.WithAPIKey(apiKey), liquidcommerce.WithClock(h.clock)}, opts...)...)
	ts := httptest.NewServer(http.StripPrefix("/liquidcommerce", srv))
	t.Cleanup(ts.Close)
	h.base = ts.URL + "/liquidcommerce"
	return h
}

func (h *harness) clock() time.Time { h.mu.Lock(); defer h.mu.Unlock(); return h.now }

func (h *harness) advance(d time.Duration) { h.mu.Lock(); h.now = h.now.Add(d); h.mu.Unlock() }

// answer is a decoded envelope, with the raw body for exact checks.
type answer struct {
	status int
	header http.Header
	raw    string
	top    map[string]json.RawMessage
	env    struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
		Metadata   struct {
			Languages []string `json:"languages"`
			Timestamp int64    `json:"timestamp"`
			Timezone  string   `json:"timezone"`
			RequestID string   `json:"requestId"`
			Path      string   `json:"path"`
			Version   string   `json:"version"`
		} `json:"metadata"`
		Data   json.RawMessage `json:"data"`
		Errors []struct{ Field, Message string }
		Auth   *tokenAuth `json:"auth"`
	}
}

type tokenAuth struct {
	Token string `json:"token"`
	Type  string `json:"type"`
	Exp   int64  `json:"exp"`
}

func (h *harness) do(method, path string, header map[string]string, body string) answer {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.base+path, r)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.top); err != nil {
		h.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	json.Unmarshal(raw, &a.env) //nolint:errcheck // checked field by field
	return a
}

func (h *harness) authenticate(key string) answer {
	return h.do("GET", "/authentication", map[string]string{"X-LIQUID-API-KEY": key, "Content-Type": "application/json"}, "")
}

func (h *harness) token() string {
	h.t.Helper()
	a := h.authenticate(apiKey)
	var data tokenAuth
	if a.status != http.StatusOK || json.Unmarshal(a.env.Data, &data) != nil {
		h.t.Fatalf("authenticate: %d %s", a.status, a.raw)
	}
	return data.Token
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func keys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

func TestAuthenticationAnswersTheSeedsEnvelope(t *testing.T) {
	h := start(t)
	a := h.authenticate(apiKey)
	if a.status != http.StatusOK || !slices.Equal(keys(a.top), []string{"data", "message", "metadata", "statusCode"}) ||
		a.env.StatusCode != 200 || a.env.Message != "OK" {
		t.Fatalf("answer %d %s", a.status, a.raw)
	}
	var meta, data map[string]json.RawMessage
	json.Unmarshal(a.top["metadata"], &meta)
	json.Unmarshal(a.top["data"], &data)
	m := a.env.Metadata
	if !slices.Equal(keys(meta), []string{"languages", "path", "requestId", "timestamp", "timezone", "version"}) ||
		!slices.Equal(m.Languages, []string{"en"}) || m.Timestamp != h.clock().UnixMilli() || m.Timezone != "UTC" ||
		!strings.HasPrefix(m.RequestID, "reqid_") || m.Path != "/api/authentication" || m.Version != "1.7.0" {
		t.Errorf("metadata %s", a.top["metadata"])
	}
	var tok tokenAuth
	json.Unmarshal(a.env.Data, &tok)
	if !slices.Equal(keys(data), []string{"exp", "token", "type"}) || tok.Token == "" || tok.Type != "ACCESS_TOKEN" ||
		tok.Exp != h.clock().Add(24*time.Hour).UnixMilli() {
		t.Errorf("data %s", a.env.Data)
	}
	if again := h.authenticate(apiKey); again.env.Metadata.RequestID == m.RequestID {
		t.Error("two answers share a request id")
	}
}

func TestAuthenticationRefusals(t *testing.T) {
	h := start(t)
	for name, header := range map[string]map[string]string{
		"wrong key":   {"X-LIQUID-API-KEY": "lc_not_a_key", "Content-Type": "application/json"},
		"no key":      {"Content-Type": "application/json"},
		"key's start": {"X-LIQUID-API-KEY": apiKey[:10], "Content-Type": "application/json"},
	} {
		a := h.do("GET", "/authentication", header, "")
		if a.status != http.StatusUnauthorized || a.env.StatusCode != 5000 || a.env.Message != "API Key not found" ||
			!strings.Contains(a.raw, `"errors":[]`) || a.top["data"] != nil || a.env.Metadata.RequestID == "" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	if a := h.do("GET", "/authentication", map[string]string{"X-LIQUID-API-KEY": apiKey}, ""); a.status != http.StatusBadRequest || !strings.Contains(a.env.Message, "application/json") {
		t.Errorf("without Content-Type: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", "/authentication", map[string]string{"X-LIQUID-API-KEY": apiKey, "Content-Type": "application/json"}, "{}"); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET" {
		t.Errorf("POST: %d %s", a.status, a.raw)
	}
}

func TestAuthenticationIsRateLimited(t *testing.T) {
	h := start(t, liquidcommerce.WithRateLimit(2, time.Minute))
	h.authenticate(apiKey)
	h.advance(20 * time.Second)
	h.authenticate(apiKey)
	a := h.authenticate(apiKey)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "40" || a.env.StatusCode != 429 || !strings.Contains(a.raw, `"errors":[]`) {
		t.Fatalf("third in a minute: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.raw)
	}
	h.advance(40 * time.Second) // the first leaves the window
	if a := h.authenticate(apiKey); a.status != http.StatusOK {
		t.Errorf("after the wait: %d %s", a.status, a.raw)
	}
}

func TestAuthenticatedEndpointsCheckTheBearerToken(t *testing.T) {
	h := start(t, liquidcommerce.WithTokenLifetime(10*time.Minute))
	tok := h.token()
	if a := h.do("GET", "/catalog/search?search=gin", bearer(tok), ""); a.status != http.StatusOK || a.env.Metadata.Path != "/api/catalog/search" || !strings.Contains(string(a.env.Data), "Sandbox Dry Gin") || a.top["auth"] != nil {
		t.Errorf("GET search: %d %s", a.status, a.raw)
	}
	for name, c := range map[string]struct {
		header map[string]string
		code   int
	}{
		"no token":       {nil, 5003},
		"not bearer":     {map[string]string{"Authorization": "Basic " + tok}, 5003},
		"tampered token": {bearer(tok[:len(tok)-2] + "xx"), 5002},
		"the API key":    {bearer(apiKey), 5002},
	} {
		if a := h.do("POST", "/catalog/search", c.header, `{"search": "gin"}`); a.status != http.StatusUnauthorized || a.env.StatusCode != c.code || a.top["data"] != nil {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	h.advance(10 * time.Minute)
	if a := h.do("POST", "/catalog/search", bearer(tok), `{}`); a.status != http.StatusUnauthorized || a.env.StatusCode != 5001 || a.env.Message != "Access token expired" {
		t.Errorf("expired: %d %s", a.status, a.raw)
	}
}

func TestRefreshReturnsANewToken(t *testing.T) {
	h := start(t, liquidcommerce.WithTokenLifetime(10*time.Minute))
	old := h.token()
	h.advance(7 * time.Minute)
	a := h.do("POST", "/cart/update", bearer(old), `{"items": [{"partNumber": "SBX-GIN-750", "quantity": 2}], "refresh": true}`)
	if a.status != http.StatusOK || a.env.Auth == nil || a.env.Auth.Token == old || a.env.Auth.Type != "ACCESS_TOKEN" ||
		a.env.Auth.Exp != h.clock().Add(10*time.Minute).UnixMilli() {
		t.Fatalf("refresh: %d %s", a.status, a.raw)
	}
	var cart struct {
		ID       string
		Subtotal string
		Items    []struct{ Total string }
	}
	if json.Unmarshal(a.env.Data, &cart) != nil || !strings.HasPrefix(cart.ID, "cart_") || cart.Subtotal != "59.98" || len(cart.Items) != 1 {
		t.Errorf("cart %s", a.env.Data)
	}
	h.advance(5 * time.Minute) // the old token has ended, the new one lives
	if a := h.do("POST", "/users/session", bearer(a.env.Auth.Token), `{"email": "a@b.test"}`); a.status != http.StatusOK || a.top["auth"] != nil {
		t.Errorf("with the new token: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", "/users/session", bearer(old), `{"email": "a@b.test"}`); a.status != http.StatusUnauthorized {
		t.Errorf("with the old token: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", "/cart/update", bearer(a.env.Auth.Token), `{"refresh": "yes"}`); a.status != http.StatusBadRequest || len(a.env.Errors) != 1 || a.env.Errors[0].Field != "refresh" {
		t.Errorf("refresh not a boolean: %d %s", a.status, a.raw)
	}
}

func TestRequestBodiesAreChecked(t *testing.T) {
	h := start(t)
	tok := h.token()
	if a := h.do("POST", "/catalog/search", bearer(tok), `{"search": "`+strings.Repeat("x", 70<<10)+`"}`); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KiB body: %d %s", a.status, a.raw)
	}
	for body, want := range map[string]int{
		`[1, 2]`:            http.StatusBadRequest,
		`{"search": 1}`:     http.StatusBadRequest,
		`{"a": 1} {"b": 2}`: http.StatusBadRequest,
	} {
		if a := h.do("POST", "/catalog/search", bearer(tok), body); a.status != want || a.env.StatusCode != want {
			t.Errorf("body %s: %d %s", body, a.status, a.raw)
		}
	}
	a := h.do("POST", "/cart/update", bearer(tok), `{"items": [{"partNumber": "SBX-RUM-1L", "quantity": 1}, {"partNumber": "NOPE", "quantity": 1}, {"partNumber": "SBX-GIN-750", "quantity": 0}]}`)
	if a.status != http.StatusUnprocessableEntity || len(a.env.Errors) != 3 || a.env.Errors[1].Field != "items[1].partNumber" || a.env.Errors[2].Message != "must be from 1 to 99" {
		t.Errorf("bad cart: %d %s", a.status, a.raw)
	}
	if a := h.do("DELETE", "/cart/update", bearer(tok), ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d %s", a.status, a.raw)
	}
	if a := h.do("GET", "/orders/1", bearer(tok), ""); a.status != http.StatusNotFound || a.env.StatusCode != 404 {
		t.Errorf("unknown path: %d %s", a.status, a.raw)
	}
}

func TestMasterKeyKeepsKeyAndTokensAcrossRestarts(t *testing.T) {
	master := []byte("0123456789abcdef0123456789abcdef")
	first := liquidcommerce.New(liquidcommerce.WithMasterKey(master))
	second := liquidcommerce.New(liquidcommerce.WithMasterKey(master))
	other := liquidcommerce.New()
	if first.APIKey() != second.APIKey() || first.APIKey() == other.APIKey() || !strings.HasPrefix(first.APIKey(), "lc_sandbox_") {
		t.Fatalf("keys %q %q %q", first.APIKey(), second.APIKey(), other.APIKey())
	}
	get := func(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	auth := httptest.NewRequest("GET", "/authentication", nil)
	auth.Header.Set("X-LIQUID-API-KEY", first.APIKey())
	auth.Header.Set("Content-Type", "application/json")
	var env struct{ Data tokenAuth }
	json.Unmarshal(get(first, auth).Body.Bytes(), &env)
	for srv, want := range map[*liquidcommerce.Server]int{second: http.StatusOK, other: http.StatusUnauthorized} {
		r := httptest.NewRequest("GET", "/catalog/search", nil)
		r.Header.Set("Authorization", "Bearer "+env.Data.Token)
		if got := get(srv, r).Code; got != want {
			t.Errorf("a token from before the restart: %d, want %d", got, want)
		}
	}
}
