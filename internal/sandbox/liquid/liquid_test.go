package liquid

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
	"golang.org/x/net/html"
)

// These tests act as an independent client of the emulator, mounted the way
// the sandbox mounts it, with their own JWT signing from the documents.

type harness struct {
	t       *testing.T
	srv     *Server
	ts      *httptest.Server
	base    string // where the emulator is mounted
	tokenID string
	secret  string

	mu    sync.Mutex
	now   time.Time
	nonce int64
	pages []string // every HTML page served, to check no secret leaks
}

func start(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), nonce: 1_790_000_000_000}
	h.srv = New(append([]Option{WithClock(h.clock)}, opts...)...)
	h.ts = httptest.NewServer(http.StripPrefix("/liquid", h.srv))
	t.Cleanup(h.ts.Close)
	h.base = h.ts.URL + "/liquid"
	h.tokenID, h.secret = h.srv.Token()
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

func (h *harness) nextNonce() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nonce++
	return h.nonce
}

type oauthIDs struct{ public, private string }

// claims are seed 001's createJwt claims; ids is nil for system calls.
func (h *harness) claims(tokenID any, path string, ids *oauthIDs) jwt.MapClaims {
	c := jwt.MapClaims{"token_id": tokenID, "path": path, "nonce": h.nextNonce()}
	if ids != nil {
		c["oauth_request_public_id"] = ids.public
		c["oauth_request_private_id"] = ids.private
	}
	return c
}

func sign(t *testing.T, c jwt.Claims, secret string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtFor signs a call to path with the main token.
func (h *harness) jwtFor(path string, ids *oauthIDs) string {
	return sign(h.t, h.claims(h.tokenID, path, ids), h.secret)
}

type reply struct {
	status int
	header http.Header
	body   string
}

// json decodes the reply, keeping numbers as json.Number to check their type.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("reply %d is not a JSON object: %v: %q", r.status, err, r.body)
	}
	return m
}

func (r reply) message(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	msg, ok := m["message"].(string)
	if !ok || len(m) != 1 {
		t.Fatalf("reply %d is not {\"message\": ...}: %s", r.status, r.body)
	}
	return msg
}

func (h *harness) send(req *http.Request) reply {
	h.t.Helper()
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		h.t.Fatal(err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		h.mu.Lock()
		h.pages = append(h.pages, string(body))
		h.mu.Unlock()
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// call sends an API call to path (below the mount point) with the version
// header and auth as X-Quoine-Auth.
func (h *harness) call(method, path, body, auth string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("X-Quoine-API-Version", "2")
	if auth != "" {
		req.Header.Set("X-Quoine-Auth", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return h.send(req)
}

// user makes a user call to path signed with the main token and ids.
func (h *harness) user(path string, ids oauthIDs) reply {
	h.t.Helper()
	return h.call(http.MethodGet, path, "", h.jwtFor(path, &ids))
}

type created struct {
	PublicID  string      `json:"oauth_request_public_id"`
	PrivateID string      `json:"oauth_request_private_id"`
	Expires   json.Number `json:"expires"`
	AppHref   string      `json:"app_challenge_href"`
	APIHref   string      `json:"api_challenge_href"`
}

func (c created) ids() oauthIDs { return oauthIDs{c.PublicID, c.PrivateID} }

// create makes an OAuth request with the main token.
func (h *harness) create() created {
	h.t.Helper()
	r := h.call(http.MethodPost, "/system/oauth_requests", `{"external_ref": "order-42"}`, h.jwtFor("/system/oauth_requests", nil))
	if r.status != http.StatusOK {
		h.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c created
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		h.t.Fatalf("create reply %s: %v", r.body, err)
	}
	return c
}

func (h *harness) page(method, rawURL string, form url.Values) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return h.send(req)
}

// consentForm reads the consent page's form: its action and hidden fields.
func consentForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var action string
	fields := url.Values{}
	for n := range doc.Descendants() {
		attr := func(name string) string {
			for _, a := range n.Attr {
				if a.Key == name {
					return a.Val
				}
			}
			return ""
		}
		switch {
		case n.Type == html.ElementNode && n.Data == "form":
			action = attr("action")
		case n.Type == html.ElementNode && n.Data == "input" && attr("type") == "hidden":
			fields.Set(attr("name"), attr("value"))
		}
	}
	if action == "" || fields.Get("csrf_token") == "" {
		t.Fatalf("no consent form with a csrf_token in the page:\n%s", page)
	}
	return action, fields
}

// decideOnPage opens the app_challenge_href and presses Approve or Deny.
func (h *harness) decideOnPage(c created, decision string) reply {
	h.t.Helper()
	r := h.page(http.MethodGet, c.AppHref, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("consent page: %d %s", r.status, r.body)
	}
	action, fields := consentForm(h.t, r.body)
	fields.Set("decision", decision)
	return h.page(http.MethodPost, h.ts.URL+action, fields)
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestApproveOnConsentPageThenReadUserAndAccounts(t *testing.T) {
	h := start(t)
	c := h.create()

	if !uuidShape.MatchString(c.PublicID) || !uuidShape.MatchString(c.PrivateID) || c.PublicID == c.PrivateID {
		t.Fatalf("ids are not two distinct UUIDs: %q %q", c.PublicID, c.PrivateID)
	}
	if want := strconv.FormatInt(h.clock().Add(DefaultRequestLifetime).Unix(), 10); c.Expires.String() != want {
		t.Errorf("expires = %s, want epoch seconds %s", c.Expires, want)
	}
	if want := h.base + "/oauth?ref=" + c.PublicID; c.AppHref != want {
		t.Errorf("app_challenge_href = %q, want %q", c.AppHref, want)
	}
	if want := h.base + "/oauth/" + c.PublicID + "/approve"; c.APIHref != want {
		t.Errorf("api_challenge_href = %q, want %q", c.APIHref, want)
	}

	if r := h.user("/user/context", c.ids()); r.status != http.StatusUnauthorized || r.message(t) != "not approved yet" {
		t.Fatalf("before approval: %d %s", r.status, r.body)
	}
	challengePath := strings.TrimPrefix(c.APIHref, h.base)
	if r := h.call(http.MethodGet, challengePath, "", h.jwtFor(challengePath, nil)); r.json(t)["status"] != "pending" {
		t.Fatalf("api challenge before approval: %d %s", r.status, r.body)
	}

	page := h.page(http.MethodGet, c.AppHref, nil)
	for _, want := range []string{"QEX Companion", "山田 花子", "account balances", "Approve", "Deny"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("consent page CSP = %q", csp)
	}
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "http://") || strings.Contains(page.body, "https://") {
		t.Errorf("consent page loads scripts or other resources:\n%s", page.body)
	}

	done := h.decideOnPage(c, "approve")
	if done.status != http.StatusOK || !strings.Contains(done.body, "You can close this window and return to QEX Companion.") {
		t.Fatalf("after Approve: %d %s", done.status, done.body)
	}
	if r := h.call(http.MethodGet, challengePath, "", h.jwtFor(challengePath, nil)); r.json(t)["status"] != "approved" {
		t.Fatalf("api challenge after approval: %d %s", r.status, r.body)
	}

	ctx := h.user("/user/context", c.ids())
	if ctx.status != http.StatusOK {
		t.Fatalf("user context: %d %s", ctx.status, ctx.body)
	}
	user := ctx.json(t)
	wantKeys := []string{"affiliate_code", "app_vendor_id", "avatar", "country", "currency", "declined_reason",
		"email", "email_confirmed_at", "first_name", "has_id_document", "has_proof_address", "is_fully_verified",
		"language", "last_name", "modules", "permissions", "status", "token_id", "trading_account_ids", "user_id", "user_type"}
	if got := slices.Sorted(maps.Keys(user)); !slices.Equal(got, wantKeys) {
		t.Errorf("user context fields = %v, want seed 001's %v", got, wantKeys)
	}
	for _, k := range []string{"user_id", "app_vendor_id", "email_confirmed_at"} {
		if _, ok := user[k].(json.Number); !ok {
			t.Errorf("%s = %#v, want a number", k, user[k])
		}
	}
	for _, k := range []string{"has_proof_address", "has_id_document", "is_fully_verified"} {
		if user[k] != true {
			t.Errorf("%s = %#v, want true as in the seed", k, user[k])
		}
	}
	if user["avatar"] != nil || user["declined_reason"] != nil {
		t.Errorf("avatar, declined_reason = %v, %v; want null as in the seed", user["avatar"], user["declined_reason"])
	}
	if user["token_id"] != h.tokenID || user["first_name"] != "花子" || user["last_name"] != "山田" {
		t.Errorf("token_id, names = %v %v %v", user["token_id"], user["first_name"], user["last_name"])
	}

	acc := h.user("/accounts", c.ids())
	if acc.status != http.StatusOK {
		t.Fatalf("accounts: %d %s", acc.status, acc.body)
	}
	var got struct {
		Crypto []map[string]any `json:"crypto_accounts"`
		Fiat   []map[string]any `json:"fiat_accounts"`
	}
	if err := json.Unmarshal([]byte(acc.body), &got); err != nil {
		t.Fatal(err)
	}
	// Seed 001's sample accounts, verbatim.
	var seedBTC, seedUSD map[string]any
	json.Unmarshal([]byte(`{"id": 1111, "currency": "BTC", "balance": "0.06", "reserved_balance": "0.0",
		"pusher_channel": "user_1111_account_btc", "lowest_offer_interest_rate": "0.00002",
		"highest_offer_interest_rate": "0.00200", "address": "1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM",
		"currency_symbol": "₿", "minimum_withdraw": "0.02", "currency_type": "crypto"}`), &seedBTC)
	json.Unmarshal([]byte(`{"id": 979984, "currency": "USD", "balance": "0.00726", "reserved_balance": "0.0",
		"pusher_channel": "user_1111_account_usd", "lowest_offer_interest_rate": null,
		"highest_offer_interest_rate": null, "currency_symbol": "$", "send_to_btc_address": null,
		"exchange_rate": "1.0", "currency_type": "fiat"}`), &seedUSD)
	if len(got.Crypto) == 0 || !maps.Equal(got.Crypto[0], seedBTC) {
		t.Errorf("first crypto account = %v, want the seed's %v", got.Crypto, seedBTC)
	}
	if len(got.Fiat) == 0 || !maps.Equal(got.Fiat[0], seedUSD) {
		t.Errorf("first fiat account = %v, want the seed's %v", got.Fiat, seedUSD)
	}
	balances := map[string]bool{}
	for _, a := range got.Crypto {
		if keys, want := slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(seedBTC)); !slices.Equal(keys, want) {
			t.Errorf("crypto account %v has fields %v, want %v", a["currency"], keys, want)
		}
		balances[a["balance"].(string)] = true
	}
	for _, a := range got.Fiat {
		if keys, want := slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(seedUSD)); !slices.Equal(keys, want) {
			t.Errorf("fiat account %v has fields %v, want %v", a["currency"], keys, want)
		}
		balances[a["balance"].(string)] = true
	}
	for _, want := range []string{"12.345678901234567890", "0.000000000000000001", "0.0"} {
		if !balances[want] {
			t.Errorf("no account has balance %q", want)
		}
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.pages {
		if strings.Contains(p, h.secret) || strings.Contains(p, c.PrivateID) {
			t.Errorf("an HTML page shows the token secret or the private id:\n%s", p)
		}
	}
}

func TestDenyOnConsentPage(t *testing.T) {
	h := start(t)
	c := h.create()
	done := h.decideOnPage(c, "deny")
	if done.status != http.StatusOK || !strings.Contains(done.body, "You can close this window and return to QEX Companion.") {
		t.Fatalf("after Deny: %d %s", done.status, done.body)
	}
	for _, path := range []string{"/user/context", "/accounts"} {
		if r := h.user(path, c.ids()); r.status != http.StatusUnauthorized || r.message(t) != "oauth request denied by the user" {
			t.Errorf("%s after denial: %d %s", path, r.status, r.body)
		}
	}
	if r := h.page(http.MethodGet, c.AppHref, nil); r.status != http.StatusConflict || !strings.Contains(r.body, "already denied") {
		t.Errorf("consent page after denial: %d %s", r.status, r.body)
	}
	if err := h.srv.Approve(c.PublicID); !errors.Is(err, ErrDecided) {
		t.Errorf("Approve after denial = %v, want ErrDecided", err)
	}
}

func TestRequestsExpire(t *testing.T) {
	h := start(t, WithRequestLifetime(time.Minute))
	used, waiting := h.create(), h.create()
	if want := strconv.FormatInt(h.clock().Add(time.Minute).Unix(), 10); used.Expires.String() != want {
		t.Errorf("expires = %s, want %s", used.Expires, want)
	}
	if err := h.srv.Approve(used.PublicID); err != nil {
		t.Fatal(err)
	}
	if r := h.user("/accounts", used.ids()); r.status != http.StatusOK {
		t.Fatalf("accounts before expiry: %d %s", r.status, r.body)
	}

	h.advance(time.Minute)
	if r := h.user("/accounts", used.ids()); r.status != http.StatusUnauthorized || r.message(t) != "oauth request expired" {
		t.Errorf("approved request after expiry: %d %s", r.status, r.body)
	}
	if r := h.user("/user/context", waiting.ids()); r.status != http.StatusUnauthorized || r.message(t) != "oauth request expired" {
		t.Errorf("pending request after expiry: %d %s", r.status, r.body)
	}
	if r := h.page(http.MethodGet, waiting.AppHref, nil); r.status != http.StatusGone || !strings.Contains(r.body, "expired") {
		t.Errorf("consent page after expiry: %d %s", r.status, r.body)
	}
	if err := h.srv.Approve(waiting.PublicID); !errors.Is(err, ErrExpired) {
		t.Errorf("Approve after expiry = %v, want ErrExpired", err)
	}
	path := "/oauth/" + waiting.PublicID + "/approve"
	if r := h.call(http.MethodGet, path, "", h.jwtFor(path, nil)); r.json(t)["status"] != "expired" {
		t.Errorf("api challenge after expiry: %s", r.body)
	}
}

func TestNonceMustIncreasePerToken(t *testing.T) {
	h := start(t)
	const path = "/system/oauth_requests"
	fixed := h.claims(h.tokenID, path, nil)
	token := sign(t, fixed, h.secret)
	if r := h.call(http.MethodPost, path, "", token); r.status != http.StatusOK {
		t.Fatalf("first use: %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodPost, path, "", token); r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "nonce") {
		t.Errorf("replayed JWT: %d %s", r.status, r.body)
	}
	fixed["nonce"] = fixed["nonce"].(int64) - 1
	if r := h.call(http.MethodPost, path, "", sign(t, fixed, h.secret)); r.status != http.StatusUnauthorized {
		t.Errorf("lower nonce: %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusOK {
		t.Errorf("next nonce: %d %s", r.status, r.body)
	}
}

func TestPathClaimMustBeTheRequestPathAndQuery(t *testing.T) {
	h := start(t)
	c := h.create()
	if err := h.srv.Approve(c.PublicID); err != nil {
		t.Fatal(err)
	}
	ids := c.ids()
	for _, tc := range []struct{ requested, signed string }{
		{"/user/context", "/accounts"},
		{"/user/context?lang=ja", "/user/context"},
		{"/user/context", "/liquid/user/context"}, // the path is relative to the mount point
	} {
		r := h.call(http.MethodGet, tc.requested, "", h.jwtFor(tc.signed, &ids))
		if r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "path") {
			t.Errorf("GET %s signed for %s: %d %s", tc.requested, tc.signed, r.status, r.body)
		}
	}
	if r := h.call(http.MethodGet, "/user/context?lang=ja", "", h.jwtFor("/user/context?lang=ja", &ids)); r.status != http.StatusOK {
		t.Errorf("path with its query signed: %d %s", r.status, r.body)
	}
}

func TestOnlyHS256IsAccepted(t *testing.T) {
	h := start(t)
	const path = "/system/oauth_requests"
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method jwt.SigningMethod
		key    any
	}{
		{jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType},
		{jwt.SigningMethodRS256, rsaKey},
		{jwt.SigningMethodHS512, []byte(h.secret)},
	} {
		token, err := jwt.NewWithClaims(tc.method, h.claims(h.tokenID, path, nil)).SignedString(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if r := h.call(http.MethodPost, path, "", token); r.status != http.StatusUnauthorized {
			t.Errorf("alg %s: %d %s", tc.method.Alg(), r.status, r.body)
		}
	}
	if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusOK {
		t.Errorf("HS256: %d %s", r.status, r.body)
	}
}

func TestAPIVersionHeaderIsRequired(t *testing.T) {
	h := start(t)
	const path = "/system/oauth_requests"
	for _, version := range []string{"", "1"} {
		req, _ := http.NewRequest(http.MethodPost, h.base+path, nil)
		req.Header.Set("X-Quoine-Auth", h.jwtFor(path, nil))
		if version != "" {
			req.Header.Set("X-Quoine-API-Version", version)
		}
		if r := h.send(req); r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "X-Quoine-API-Version") {
			t.Errorf("version %q: %d %s", version, r.status, r.body)
		}
	}
	if r := h.call(http.MethodPost, path, "", ""); r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "X-Quoine-Auth") {
		t.Errorf("no X-Quoine-Auth: %d %s", r.status, r.body)
	}
}

func TestOAuthIDsWorkOnlyWithTheTokenThatMadeThem(t *testing.T) {
	h := start(t, WithToken("1001", "secret-of-1001"), WithToken("2002", "secret-of-2002"))
	if id, secret := h.srv.Token(); id != "1001" || secret != "secret-of-1001" {
		t.Fatalf("Token() = %q, %q; want the first WithToken", id, secret)
	}
	c := h.create()
	if err := h.srv.Approve(c.PublicID); err != nil {
		t.Fatal(err)
	}
	const path = "/user/context"
	ids := c.ids()
	other := sign(t, h.claims("2002", path, &ids), "secret-of-2002")
	if r := h.call(http.MethodGet, path, "", other); r.status != http.StatusUnauthorized {
		t.Errorf("another token with these ids: %d %s", r.status, r.body)
	}
	wrongPrivate := oauthIDs{c.PublicID, c.PublicID}
	if r := h.user(path, wrongPrivate); r.status != http.StatusUnauthorized {
		t.Errorf("wrong private id: %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodGet, path, "", sign(t, h.claims("3003", path, &ids), "secret-of-2002")); r.status != http.StatusUnauthorized {
		t.Errorf("unknown token id: %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodGet, path, "", sign(t, h.claims("1001", path, &ids), "secret-of-2002")); r.status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %s", r.status, r.body)
	}
	challenge := "/oauth/" + c.PublicID + "/approve"
	if r := h.call(http.MethodGet, challenge, "", sign(t, h.claims("2002", challenge, nil), "secret-of-2002")); r.status != http.StatusNotFound {
		t.Errorf("another token's api challenge: %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodGet, path, "", h.jwtFor(path, nil)); r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "claims") {
		t.Errorf("user call without the oauth ids: %d %s", r.status, r.body)
	}
	if r := h.user(path, ids); r.status != http.StatusOK {
		t.Errorf("the token that made them: %d %s", r.status, r.body)
	}
}

func TestTokenIDAsNumberOrString(t *testing.T) {
	h := start(t)
	if h.tokenID != DefaultTokenID || h.secret == "" {
		t.Fatalf("Token() = %q, %q", h.tokenID, h.secret)
	}
	if _, other := New().Token(); other == h.secret {
		t.Errorf("two servers share the generated secret")
	}
	number, err := strconv.ParseInt(DefaultTokenID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	const path = "/system/oauth_requests"
	for _, id := range []any{number, DefaultTokenID} {
		if r := h.call(http.MethodPost, path, "", sign(t, h.claims(id, path, nil), h.secret)); r.status != http.StatusOK {
			t.Errorf("token_id %#v: %d %s", id, r.status, r.body)
		}
	}
	for _, id := range []any{float64(number) + 0.5, true, nil} {
		r := h.call(http.MethodPost, path, "", sign(t, h.claims(id, path, nil), h.secret))
		if r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "token_id must be a string or a whole number") {
			t.Errorf("token_id %#v: %d %s", id, r.status, r.body)
		}
	}
}

func TestCreateBodyErrors(t *testing.T) {
	h := start(t)
	const path = "/system/oauth_requests"
	post := func(body string) reply { return h.call(http.MethodPost, path, body, h.jwtFor(path, nil)) }

	huge := `{"external_ref": "` + strings.Repeat("x", maxBody) + `"}`
	if r := post(huge); r.status != http.StatusRequestEntityTooLarge || r.message(t) == "" {
		t.Errorf("oversized body: %d %s", r.status, r.body)
	}
	r := post(`{"external_ref": 5}`)
	var shape map[string]map[string][]string
	if err := json.Unmarshal([]byte(r.body), &shape); r.status != http.StatusUnprocessableEntity || err != nil ||
		!slices.Equal(shape["errors"]["external_ref"], []string{"must_be_string"}) || len(shape) != 1 {
		t.Errorf("external_ref not a string: %d %s", r.status, r.body)
	}
	for _, bad := range []string{`{"external_ref": "a"`, `[]`, `{"external_ref": "a"} {}`} {
		if r := post(bad); r.status != http.StatusBadRequest || r.message(t) == "" {
			t.Errorf("body %s: %d %s", bad, r.status, r.body)
		}
	}
	for _, good := range []string{"", `{}`, `{"external_ref": null}`, `{"external_ref": "ünïcode ✓"}`} {
		if r := post(good); r.status != http.StatusOK {
			t.Errorf("body %q: %d %s", good, r.status, r.body)
		}
	}
}

func TestRateLimitPerToken(t *testing.T) {
	h := start(t, WithRateLimit(3, time.Minute), WithToken(DefaultTokenID, "s1"), WithToken("42", "s2"))
	const path = "/system/oauth_requests"
	for i := range 3 {
		if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i+1, r.status, r.body)
		}
	}
	h.advance(20 * time.Second)
	r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "40" || r.message(t) == "" {
		t.Fatalf("fourth call: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := h.call(http.MethodPost, path, "", sign(t, h.claims("42", path, nil), "s2")); r.status != http.StatusOK {
		t.Errorf("another token while the first is limited: %d %s", r.status, r.body)
	}
	h.advance(40 * time.Second)
	if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusOK {
		t.Errorf("after the window: %d %s", r.status, r.body)
	}
}

func TestUnavailable(t *testing.T) {
	h := start(t, WithUnavailable(true))
	const path = "/system/oauth_requests"
	if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusServiceUnavailable || r.message(t) == "" {
		t.Errorf("API while unavailable: %d %s", r.status, r.body)
	}
	if r := h.page(http.MethodGet, h.base+"/oauth?ref=x", nil); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "unavailable") {
		t.Errorf("consent page while unavailable: %d %s", r.status, r.body)
	}
	h.srv.SetUnavailable(false)
	if r := h.call(http.MethodPost, path, "", h.jwtFor(path, nil)); r.status != http.StatusOK {
		t.Errorf("API once available: %d %s", r.status, r.body)
	}
}

func TestUnknownPathsAndWrongMethods(t *testing.T) {
	h := start(t)
	if r := h.call(http.MethodGet, "/orders", "", ""); r.status != http.StatusNotFound || r.message(t) != "not found" {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, "/system/oauth_requests", "POST"},
		{http.MethodPost, "/user/context", "GET"},
		{http.MethodDelete, "/accounts", "GET"},
	} {
		r := h.call(tc.method, tc.path, "", "")
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tc.allow || r.message(t) == "" {
			t.Errorf("%s %s: %d Allow %q %s", tc.method, tc.path, r.status, r.header.Get("Allow"), r.body)
		}
	}
	if r := h.page(http.MethodPost, h.base+"/oauth", url.Values{}); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST consent page: %d", r.status)
	}
	if r := h.page(http.MethodGet, h.base+"/oauth/decision", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET decision: %d", r.status)
	}
}

func TestConsentPagesEscapeWhatTheyAreSent(t *testing.T) {
	h := start(t)
	c := h.create()
	const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	for _, r := range []reply{
		h.page(http.MethodGet, h.base+"/oauth?ref="+url.QueryEscape(hostile), nil),
		h.page(http.MethodGet, c.AppHref+"&next="+url.QueryEscape(hostile), nil),
		h.page(http.MethodPost, h.base+"/oauth/decision", url.Values{"ref": {hostile}, "decision": {hostile}}),
	} {
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, "<img") {
			t.Errorf("page reflects markup it was sent (%d):\n%s", r.status, r.body)
		}
		if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("page without CSP or frame protection: %v", r.header)
		}
	}
	if r := h.page(http.MethodGet, h.base+"/oauth?ref="+url.QueryEscape(hostile), nil); r.status != http.StatusNotFound || !strings.Contains(r.body, "not found") {
		t.Errorf("unknown ref: %d %s", r.status, r.body)
	}
}

func TestForgedDecisionIsRefused(t *testing.T) {
	h := start(t)
	c := h.create()
	action, fields := consentForm(t, h.page(http.MethodGet, c.AppHref, nil).body)
	fields.Set("decision", "approve")
	fields.Set("csrf_token", "forged")
	if r := h.page(http.MethodPost, h.ts.URL+action, fields); r.status != http.StatusForbidden {
		t.Errorf("forged csrf_token: %d %s", r.status, r.body)
	}
	fields.Del("csrf_token")
	if r := h.page(http.MethodPost, h.ts.URL+action, fields); r.status != http.StatusForbidden {
		t.Errorf("no csrf_token: %d %s", r.status, r.body)
	}
	if r := h.user("/user/context", c.ids()); r.status != http.StatusUnauthorized || r.message(t) != "not approved yet" {
		t.Errorf("after forged decisions: %d %s", r.status, r.body)
	}
	big := url.Values{"ref": {c.PublicID}, "pad": {strings.Repeat("x", webpage.MaxForm)}}
	if r := h.page(http.MethodPost, h.ts.URL+action, big); r.status != http.StatusBadRequest {
		t.Errorf("oversized form: %d", r.status)
	}
}

func TestExternalBaseOption(t *testing.T) {
	h := start(t, WithExternalBase(func(*http.Request) string { return "https://liquid.sandbox.test" }))
	c := h.create()
	if c.AppHref != "https://liquid.sandbox.test/oauth?ref="+c.PublicID ||
		c.APIHref != "https://liquid.sandbox.test/oauth/"+c.PublicID+"/approve" {
		t.Errorf("hrefs = %q, %q", c.AppHref, c.APIHref)
	}
}

// The handler also works unmounted, where the derived base has no prefix.
func TestUnmountedBase(t *testing.T) {
	srv := New()
	id, secret := srv.Token()
	claims := jwt.MapClaims{"token_id": id, "path": "/system/oauth_requests", "nonce": 1}
	req := httptest.NewRequest(http.MethodPost, "http://api.liquid.test/system/oauth_requests", bytes.NewReader(nil))
	req.Header.Set("X-Quoine-API-Version", "2")
	req.Header.Set("X-Quoine-Auth", sign(t, claims, secret))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	var c created
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if want := "http://api.liquid.test/oauth?ref=" + c.PublicID; c.AppHref != want {
		t.Errorf("app_challenge_href = %q, want %q", c.AppHref, want)
	}
}

// An approved request outlives a restart of a persistent sandbox, with the
// same token secret, and the state file holds no secret.
func TestApprovedRequestsSurviveARestart(t *testing.T) {
	state := t.TempDir() + "/liquid-state.json"
	key := []byte("0123456789abcdef0123456789abcdef")
	first := start(t, WithPersistence(state, key))
	c := first.create()
	if err := first.srv.Approve(c.PublicID); err != nil {
		t.Fatal(err)
	}
	pending := first.create()

	second := start(t, WithPersistence(state, key))
	second.nonce = first.nonce + 1
	if second.tokenID != first.tokenID || second.secret != first.secret {
		t.Fatalf("the token changed across the restart")
	}
	if r := second.user("/user/context", c.ids()); r.status != http.StatusOK {
		t.Errorf("approved request after restart: %d %s", r.status, r.body)
	}
	if r := second.user("/user/context", pending.ids()); r.status != http.StatusUnauthorized || r.message(t) != "not approved yet" {
		t.Errorf("pending request after restart: %d %s", r.status, r.body)
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{first.secret, c.PrivateID, pending.PrivateID} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the state file holds a secret:\n%s", data)
		}
	}
	if other := start(t, WithPersistence(state, []byte("another key, another sandbox....."))); other.secret == first.secret {
		t.Error("the token secret does not depend on the master key")
	}
}
