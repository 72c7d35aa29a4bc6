package qex_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// These tests speak to the sandbox as any partner integration would, with
// their own signing code, not the app's client.

type reply struct {
	Status      int
	Success     bool            `json:"success"`
	Environment string          `json:"environment"`
	Message     string          `json:"message"`
	Payload     json.RawMessage `json:"payload"`
}

type harness struct {
	t   *testing.T
	srv *sandbox.Server
	now time.Time
	mu  sync.Mutex
}

func start(t *testing.T, opts ...sandbox.Option) *harness {
	t.Helper()
	return startQEX(t, nil, opts...)
}

// startQEX starts a sandbox of the QEX emulator alone, with qexOpts, on the
// harness's clock.
func startQEX(t *testing.T, qexOpts []qexsandbox.Option, opts ...sandbox.Option) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	qexOpts = append([]qexsandbox.Option{qexsandbox.WithClock(h.clock)}, qexOpts...)
	srv, err := sandbox.Start("127.0.0.1:0", []sandbox.Emulator{qexsandbox.Emulator(qexOpts...)}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h.srv = srv
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func (h *harness) do(method, path, contentType, body, bearer string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		h.t.Fatalf("%s %s: not JSON (%v): %s", method, path, err, raw)
	}
	if r.Environment != "SANDBOX" {
		h.t.Errorf("%s %s: environment %q, want SANDBOX", method, path, r.Environment)
	}
	r.Status = resp.StatusCode
	return r
}

type created struct {
	PublicAPIKey  string `json:"public_api_key"`
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
	Environment   string `json:"environment"`
}

func (h *harness) create() created {
	h.t.Helper()
	r := h.do("POST", "/api/v1/session", "application/json", `{"public_api_key":"`+qexsandbox.DefaultPublicAPIKey+`"}`, "")
	if r.Status != 200 || !r.Success {
		h.t.Fatalf("create session: %+v", r)
	}
	var c created
	json.Unmarshal(r.Payload, &c)
	return c
}

// approve has the scripted browser press Approve on the consent page.
func (h *harness) approve(id string) {
	h.t.Helper()
	visit, err := testbrowser.Submit(context.Background(), h.srv.URL+"/api/v1/session/"+id+"/liquid_oauth", "approve", testbrowser.Options{})
	if err != nil || !strings.Contains(visit.Body, "Close this window and return to your app") {
		h.t.Fatalf("approve: %v %+v", err, visit)
	}
}

var nonce = struct {
	sync.Mutex
	n int64
}{n: time.Now().UnixMilli()}

func nextNonce() int64 {
	nonce.Lock()
	defer nonce.Unlock()
	nonce.n++
	return nonce.n
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (h *harness) signedGet(c created, path string) reply {
	h.t.Helper()
	tok := sign(h.t, jwt.SigningMethodHS256, []byte(c.SessionSecret), jwt.MapClaims{"path": path, "session_id": c.SessionID, "nonce": nextNonce()})
	return h.do("GET", path, "", "", tok)
}

func TestCreateSession(t *testing.T) {
	h := start(t)
	c := h.create()
	if c.SessionID == "" || c.SessionSecret == "" || c.SessionID == c.SessionSecret || c.Environment != "SANDBOX" || c.PublicAPIKey != qexsandbox.DefaultPublicAPIKey {
		t.Errorf("created %+v", c)
	}
	if other := h.create(); other.SessionID == c.SessionID || other.SessionSecret == c.SessionSecret {
		t.Error("two sessions share an id or secret")
	}
	form := h.do("POST", "/api/v1/session", "application/x-www-form-urlencoded", "public_api_key="+qexsandbox.DefaultPublicAPIKey, "")
	if form.Status != 200 || !form.Success {
		t.Errorf("form body: %+v", form)
	}
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		message                 string
	}{
		{"production key", "application/json", `{"public_api_key":"pk_live-1234567890"}`, 401, "This is not a sandbox key: the sandbox accepts only pk_sandbox_ keys."},
		{"unknown key", "application/json", `{"public_api_key":"pk_sandbox_x"}`, 401, "Unknown public_api_key."},
		{"no key", "application/json", `{}`, 400, "public_api_key is required."},
		{"not JSON", "application/json", `public_api_key=pk`, 400, `The body must be JSON like {"public_api_key": "pk_..."}.`},
	} {
		r := h.do("POST", "/api/v1/session", tc.contentType, tc.body, "")
		if r.Status != tc.status || r.Success || r.Message != tc.message {
			t.Errorf("%s: %d %v %q, want %d %q", tc.name, r.Status, r.Success, r.Message, tc.status, tc.message)
		}
	}
	if r := h.do("GET", "/api/v1/session", "", "", ""); r.Status != 405 || r.Success {
		t.Errorf("GET /session: %+v", r)
	}
	if r := h.do("GET", "/api/v1/nothing", "", "", ""); r.Status != 404 || r.Success {
		t.Errorf("unknown endpoint: %+v", r)
	}
}

func TestSignedCallsNeedApproval(t *testing.T) {
	h := start(t)
	c := h.create()
	path := "/api/v1/session/" + c.SessionID + "/accounts"
	if r := h.signedGet(c, path); r.Status != 401 || r.Message != "Session not authorized: the user has not approved it yet." {
		t.Fatalf("before approval: %+v", r)
	}
	h.approve(c.SessionID)
	r := h.signedGet(c, path)
	if r.Status != 200 || !r.Success {
		t.Fatalf("after approval: %+v", r)
	}
	raw := string(r.Payload)
	for _, want := range []string{`"currency_symbol":"₿"`, `"balance":"12.345678901234567891"`, `"send_to_btc_address":null`, `"lowest_offer_interest_rate":null`, `"currency_type":"fiat"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("accounts payload lacks %s", want)
		}
	}
	var accounts struct {
		Crypto []map[string]any `json:"crypto_accounts"`
		Fiat   []map[string]any `json:"fiat_accounts"`
	}
	json.Unmarshal(r.Payload, &accounts)
	if len(accounts.Crypto) < 5 || len(accounts.Fiat) < 4 {
		t.Errorf("seeded %d crypto and %d fiat accounts", len(accounts.Crypto), len(accounts.Fiat))
	}
	if _, ok := accounts.Fiat[0]["address"]; ok {
		t.Error("fiat accounts carry crypto's address field")
	}
}

func TestJWTVerification(t *testing.T) {
	h := start(t)
	c := h.create()
	h.approve(c.SessionID)
	path := "/api/v1/session/" + c.SessionID + "/kyc_state"
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"path": path, "session_id": c.SessionID, "nonce": nextNonce()}
	}
	secret := []byte(c.SessionSecret)

	with := func(change func(jwt.MapClaims)) jwt.MapClaims { m := good(); change(m); return m }
	cases := []struct {
		name  string
		token string
		path  string
	}{
		{"no token", "", path},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("guess"), good()), path},
		{"HS512", sign(t, jwt.SigningMethodHS512, secret, good()), path},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good()), path},
		{"extra claim", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["exp"] = 9999999999 })), path},
		{"missing nonce", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { delete(m, "nonce") })), path},
		{"path without /api/v1", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["path"] = strings.TrimPrefix(path, "/api/v1") })), path},
		{"path without query", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["path"] = path })), path + "?x=1"},
		{"other session", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["session_id"] = "someone-else" })), path},
		{"nonce as string", sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["nonce"] = "123" })), path},
	}
	for _, tc := range cases {
		if r := h.do("GET", tc.path, "", "", tc.token); r.Status != 401 || r.Success || !strings.Contains(r.Message, "JWT") && tc.token != "" {
			t.Errorf("%s: %d %q, want 401", tc.name, r.Status, r.Message)
		}
	}

	// A replayed token, and an older nonce, are refused after a fresh one.
	replayed := sign(t, jwt.SigningMethodHS256, secret, good())
	older := sign(t, jwt.SigningMethodHS256, secret, with(func(m jwt.MapClaims) { m["nonce"] = int64(1) }))
	if r := h.do("GET", path, "", "", replayed); r.Status != 200 {
		t.Fatalf("first use: %+v", r)
	}
	for name, tok := range map[string]string{"replay": replayed, "older nonce": older} {
		if r := h.do("GET", path, "", "", tok); r.Status != 401 || !strings.Contains(r.Message, "nonce must increase") {
			t.Errorf("%s: %d %q", name, r.Status, r.Message)
		}
	}
}

func TestSessionsEnd(t *testing.T) {
	h := startQEX(t, []qexsandbox.Option{qexsandbox.WithSessionTTL(time.Hour)})
	unknown := created{SessionID: "00000000-0000-4000-8000-000000000000", SessionSecret: "x"}
	if r := h.signedGet(unknown, "/api/v1/session/"+unknown.SessionID+"/accounts"); r.Status != 404 || r.Message != "Session not found." {
		t.Errorf("unknown session: %+v", r)
	}

	c := h.create()
	h.approve(c.SessionID)
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/terminate"); r.Status != 200 || string(r.Payload) != "true" {
		t.Fatalf("terminate: %+v", r)
	}
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 404 || !strings.Contains(r.Message, "terminated") {
		t.Errorf("after terminate: %+v", r)
	}

	c = h.create()
	h.approve(c.SessionID)
	h.advance(59 * time.Minute)
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 200 {
		t.Errorf("before expiry: %+v", r)
	}
	h.advance(2 * time.Minute)
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 404 || !strings.Contains(r.Message, "expired") {
		t.Errorf("after expiry: %+v", r)
	}
}

func TestDefaultSessionLifetimeIsFiveDays(t *testing.T) {
	h := start(t)
	c := h.create()
	h.approve(c.SessionID)
	h.advance(5*24*time.Hour - time.Second)
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 200 {
		t.Errorf("just under 5 days: %+v", r)
	}
	h.advance(2 * time.Second)
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 404 {
		t.Errorf("just over 5 days: %+v", r)
	}
}

func TestOtherEndpoints(t *testing.T) {
	h := start(t)
	c := h.create()
	h.approve(c.SessionID)
	base := "/api/v1/session/" + c.SessionID

	r := h.signedGet(c, base+"/accounts/XRP?require_address=true")
	var xrp map[string]any
	json.Unmarshal(r.Payload, &xrp)
	if r.Status != 200 || xrp["currency"] != "XRP" || xrp["address"] == nil {
		t.Errorf("XRP with address: %d %v", r.Status, xrp)
	}
	r = h.signedGet(c, base+"/accounts/USD?require_address=true")
	var usd map[string]any
	json.Unmarshal(r.Payload, &usd)
	if r.Status != 200 || usd["send_to_btc_address"] == nil {
		t.Errorf("USD with address: %d %v", r.Status, usd)
	}
	if r := h.signedGet(c, base+"/accounts/DOGE"); r.Status != 404 || r.Message != "The user has no DOGE account." {
		t.Errorf("DOGE: %+v", r)
	}

	r = h.signedGet(c, base+"/kyc_state")
	var kyc map[string]any
	json.Unmarshal(r.Payload, &kyc)
	for _, k := range []string{"liquid_user_id", "identification", "contact", "liveness", "proof_of_address"} {
		if _, ok := kyc[k]; !ok {
			t.Errorf("kyc_state lacks %s: %s", k, r.Payload)
		}
	}

	r = h.do("GET", "/api/v1/settlement/currencies?public_api_key="+qexsandbox.DefaultPublicAPIKey, "", "", "")
	var list []map[string]any
	json.Unmarshal(r.Payload, &list)
	if r.Status != 200 || len(list) < 3 || list[0]["ccy_code"] != "BTC" || list[0]["settlement"] == nil {
		t.Errorf("settlement currencies: %d %s", r.Status, r.Payload)
	}
	if r := h.do("GET", "/api/v1/settlement/currencies", "", "", ""); r.Status != 400 {
		t.Errorf("settlement currencies without key: %+v", r)
	}
	if r := h.do("POST", base+"/accounts", "", "", ""); r.Status != 405 {
		t.Errorf("POST accounts: %+v", r)
	}
}

func TestConsentPage(t *testing.T) {
	h := start(t)
	c := h.create()
	ctx := context.Background()
	page := h.srv.URL + "/api/v1/session/" + c.SessionID + "/liquid_oauth"

	visit, err := testbrowser.Get(ctx, page+"?preferred_action=follow_href")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SANDBOX", c.PublicAPIKey, `value="approve"`, `value="deny"`, "Sandy Box"} {
		if !strings.Contains(visit.Body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}

	// Deny with a return URL: back to it with the error and the app's state.
	returnURL := "http://127.0.0.1:9/callback?state=abc123"
	visit, err = testbrowser.Submit(ctx, page+"?return_url="+url.QueryEscape(returnURL), "deny", testbrowser.Options{NoFollow: true})
	if err != nil {
		t.Fatal(err)
	}
	back, _ := url.Parse(visit.Redirect)
	if visit.Status != http.StatusSeeOther || back.Host != "127.0.0.1:9" || back.Query().Get("state") != "abc123" || back.Query().Get("error") != "access_denied" {
		t.Errorf("deny redirect: %d %s", visit.Status, visit.Redirect)
	}
	if r := h.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 401 || !strings.Contains(r.Message, "denied") {
		t.Errorf("after deny: %+v", r)
	}

	// Approve to a deep link: any scheme is followed.
	deepLink := "io.qexcompanion.app:/callback?state=xyz"
	visit, err = testbrowser.Submit(ctx, page+"?return_url="+url.QueryEscape(deepLink), "approve", testbrowser.Options{NoFollow: true})
	if err != nil || visit.Redirect != deepLink {
		t.Errorf("deep-link redirect: %v %+v", err, visit)
	}

	// A forged form post (no consent token) is refused.
	resp, err := http.PostForm(page, url.Values{"decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("post without consent token: %d", resp.StatusCode)
	}

	for name, u := range map[string]string{
		"unknown session":   h.srv.URL + "/api/v1/session/nope/liquid_oauth",
		"javascript return": page + "?return_url=" + url.QueryEscape("javascript:alert(1)"),
		"relative return":   page + "?return_url=%2Fcallback",
	} {
		if _, err := testbrowser.Get(ctx, u); err == nil {
			t.Errorf("%s: page served", name)
		}
	}
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	state := t.TempDir() + "/state.json"
	master := []byte("0123456789abcdef0123456789abcdef")
	first := start(t, sandbox.WithPersistence(state, master))
	c := first.create()
	first.approve(c.SessionID)
	if r := first.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 200 {
		t.Fatalf("before restart: %+v", r)
	}
	first.srv.Close()

	data, _ := os.ReadFile(state)
	if strings.Contains(string(data), c.SessionSecret) || !strings.Contains(string(data), c.SessionID) {
		t.Errorf("state file:\n%s", data)
	}

	second := start(t, sandbox.WithPersistence(state, master))
	if r := second.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 200 {
		t.Errorf("after restart: %+v", r)
	}
	// Another master key cannot verify the old session's JWTs.
	third := start(t, sandbox.WithPersistence(state, []byte("another key, another installation")))
	if r := third.signedGet(c, "/api/v1/session/"+c.SessionID+"/accounts"); r.Status != 401 {
		t.Errorf("with another key: %+v", r)
	}
}

func TestOversizedCreateBodyIsRefused(t *testing.T) {
	h := start(t)
	pad := strings.Repeat("x", 1<<20)
	for _, tc := range []struct{ contentType, body string }{
		{"application/json", `{"public_api_key": "` + qexsandbox.DefaultPublicAPIKey + `", "pad": "` + pad + `"}`},
		{"application/x-www-form-urlencoded", "public_api_key=" + qexsandbox.DefaultPublicAPIKey + "&pad=" + pad},
	} {
		r := h.do("POST", "/api/v1/session", tc.contentType, tc.body, "")
		if r.Status != http.StatusRequestEntityTooLarge || r.Message != "The body is larger than 64 KiB." {
			t.Errorf("%s: HTTP %d %q", tc.contentType, r.Status, r.Message)
		}
	}
}
