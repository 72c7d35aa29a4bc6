package qex_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/accounts"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// The seed document's session; the seed's sample uses the same placeholder
// for id and secret, so the fake server uses its own distinct secret.
const (
	seedSessionID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	testSecret    = "s3cr3t-0f-the-sess10n"
)

// fakeServer is a QEX server written from the documents alone: it checks
// every JWT claim with its own HMAC code and answers with the seed samples.
type fakeServer struct {
	t *testing.T
	*httptest.Server

	mu        sync.Mutex
	lastNonce int64
	calls     []string // request URIs of verified signed calls
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fakeServer) envelope(w http.ResponseWriter, payload string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"success":true,"environment":"PRODUCTION","message":"","payload":%s}`, payload)
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v1/session" && r.Method == http.MethodPost {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["public_api_key"] != "pk_test_key" || len(body) != 1 {
			f.t.Errorf("create session body = %v, %v; want exactly public_api_key", body, err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.t.Errorf("create session Content-Type = %q", ct)
		}
		sample := strings.Replace(string(readTestdata(f.t, "seed000_create_session.json")),
			`"session_secret":"`+seedSessionID+`"`, `"session_secret":"`+testSecret+`"`, 1)
		w.Write([]byte(sample))
		return
	}
	if r.URL.Path == "/api/v1/settlement/currencies" {
		if r.Header.Get("Authorization") != "" {
			f.t.Error("settlement currencies must not be signed")
		}
		f.envelope(w, `[{"symbol":"₿","icon":"/btc.svg","label":"Bitcoin","type":"CRYPTO","ccy_code":"BTC","settlement":{"funding":["BLOCKCHAIN_TRANSFER"],"payout":["LIQUID_WALLET"]},"new_field":1}]`)
		return
	}
	if reason := f.verify(r); reason != "" {
		f.t.Errorf("%s %s: %s", r.Method, r.URL.RequestURI(), reason)
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"success":false,"environment":"PRODUCTION","message":"bad jwt","payload":null}`))
		return
	}
	switch r.URL.Path {
	case "/api/v1/session/" + seedSessionID + "/accounts":
		f.envelope(w, string(readTestdata(f.t, "seed001_accounts.json")))
	case "/api/v1/session/" + seedSessionID + "/accounts/BTC":
		f.envelope(w, `{"id":1111,"currency":"BTC","balance":"0.06","reserved_balance":"0.0","currency_symbol":"₿","address":"1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM","currency_type":"crypto"}`)
	case "/api/v1/session/" + seedSessionID + "/kyc_state":
		f.envelope(w, `{"liquid_user_id":1111,"identification":{"approved":true,"submitted":true,"deferrable":false,"reviewed":true,"required":true},"contact":{"approved":true},"liveness":{"approved":false,"required":true},"proof_of_address":null}`)
	case "/api/v1/session/" + seedSessionID + "/terminate":
		f.envelope(w, `true`)
	default:
		http.NotFound(w, r)
	}
}

// verify checks the bearer JWT byte by byte against the documented rules.
func (f *fakeServer) verify(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "no bearer token"
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "not a compact JWT"
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if got, _ := base64.RawURLEncoding.DecodeString(parts[2]); !hmac.Equal(got, mac.Sum(nil)) {
		return "signature is not HMAC-SHA256 over the session secret"
	}
	var header map[string]any
	if err := decodeSegment(parts[0], &header); err != nil || header["alg"] != "HS256" {
		return fmt.Sprintf("header %v: want alg HS256", header)
	}
	var claims map[string]json.RawMessage
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err.Error()
	}
	names := make([]string, 0, len(claims))
	for k := range claims {
		names = append(names, k)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"nonce", "path", "session_id"}) {
		return fmt.Sprintf("claims %v: want exactly nonce, path, session_id", names)
	}
	var path, sessionID string
	var nonce int64
	json.Unmarshal(claims["path"], &path)
	json.Unmarshal(claims["session_id"], &sessionID)
	if err := json.Unmarshal(claims["nonce"], &nonce); err != nil {
		return "nonce is not an integer: " + string(claims["nonce"])
	}
	if path != r.URL.RequestURI() {
		return fmt.Sprintf("path claim %q, request %q", path, r.URL.RequestURI())
	}
	if sessionID != seedSessionID {
		return "session_id claim " + sessionID
	}
	if now := time.Now().UnixMilli(); nonce < now-60_000 || nonce > now+60_000 {
		return fmt.Sprintf("nonce %d is not epoch milliseconds (now %d)", nonce, now)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if nonce <= f.lastNonce {
		return fmt.Sprintf("nonce %d does not increase (last %d)", nonce, f.lastNonce)
	}
	f.lastNonce = nonce
	f.calls = append(f.calls, r.URL.RequestURI())
	return ""
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func newClient(t *testing.T, base string, opts ...qex.Option) *qex.Client {
	t.Helper()
	c, err := qex.NewClient(base, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientAgainstDocumentedServer(t *testing.T) {
	srv := newFakeServer(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()

	sess, err := c.CreateSession(ctx, "pk_test_key")
	if err != nil {
		t.Fatal(err)
	}
	if sess.SessionID != seedSessionID || sess.Environment != "PRODUCTION" || sess.ClientInfo.IPCountry != "JP" ||
		!strings.Contains(sess.Links.TermsOfService.Href, "end-user-terms-of-use") {
		t.Errorf("session decoded as %+v", sess)
	}
	cred := sess.Credentials()

	acc, err := c.Accounts(ctx, cred)
	if err != nil {
		t.Fatal(err)
	}
	btc, usd := acc.CryptoAccounts[0], acc.FiatAccounts[0]
	wantBTC := accounts.Account{ID: "1111", Currency: "BTC", Balance: "0.06", ReservedBalance: "0.0", PusherChannel: "user_1111_account_btc",
		LowestOfferInterestRate: "0.00002", HighestOfferInterestRate: "0.00200", Address: "1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM",
		CurrencySymbol: "₿", MinimumWithdraw: "0.02", CurrencyType: "crypto"}
	wantUSD := accounts.Account{ID: "979984", Currency: "USD", Balance: "0.00726", ReservedBalance: "0.0", PusherChannel: "user_1111_account_usd",
		CurrencySymbol: "$", ExchangeRate: "1.0", CurrencyType: "fiat"}
	if btc != wantBTC {
		t.Errorf("crypto account\n got %+v\nwant %+v", btc, wantBTC)
	}
	if usd != wantUSD || !usd.LowestOfferInterestRate.IsNull() {
		t.Errorf("fiat account\n got %+v\nwant %+v", usd, wantUSD)
	}

	one, err := c.Account(ctx, cred, "BTC")
	if err != nil || one.DepositAddress() != "1FePLaYMejoo37CjLyzovJGMVTPPGQ3SVM" {
		t.Errorf("Account(BTC) = %+v, %v", one, err)
	}
	kyc, err := c.KYCState(ctx, cred)
	if err != nil || kyc.LiquidUserID != "1111" || !kyc.Identification.Approved || kyc.Liveness.Approved || kyc.ProofOfAddress != (qex.KYCCheck{}) {
		t.Errorf("KYCState = %+v, %v", kyc, err)
	}
	if err := c.Terminate(ctx, cred); err != nil {
		t.Errorf("Terminate: %v", err)
	}
	list, err := c.SettlementCurrencies(ctx, "pk_test_key")
	if err != nil || len(list) != 1 || list[0].CCYCode != "BTC" || list[0].Settlement.Payout[0] != "LIQUID_WALLET" {
		t.Errorf("SettlementCurrencies = %+v, %v", list, err)
	}

	want := []string{
		"/api/v1/session/" + seedSessionID + "/accounts",
		"/api/v1/session/" + seedSessionID + "/accounts/BTC?require_address=true",
		"/api/v1/session/" + seedSessionID + "/kyc_state",
		"/api/v1/session/" + seedSessionID + "/terminate",
	}
	if !slices.Equal(srv.calls, want) {
		t.Errorf("signed calls\n got %q\nwant %q", srv.calls, want)
	}
}

func TestNonceStrictlyIncreasesWithinOneMillisecond(t *testing.T) {
	frozen := time.UnixMilli(1731590739955)
	c := newClient(t, "http://127.0.0.1:1", qex.WithClock(func() time.Time { return frozen }))
	// Nonces are remembered process-wide, per session: ids of this run's own.
	run := fmt.Sprint(time.Now().UnixNano())
	cred := qex.Credentials{SessionID: "frozen-1-" + run, SessionSecret: "k"}
	var last int64
	for i := range 5 {
		tok, err := c.Sign(cred, "/api/v1/session/frozen-1/accounts")
		if err != nil {
			t.Fatal(err)
		}
		var claims qex.SessionClaims
		if err := decodeSegment(strings.Split(tok, ".")[1], &claims); err != nil {
			t.Fatal(err)
		}
		if want := frozen.UnixMilli() + int64(i); claims.Nonce != want || claims.Nonce <= last {
			t.Fatalf("call %d: nonce %d, want %d", i, claims.Nonce, want)
		}
		last = claims.Nonce
	}
	// Nonces are per session: another session starts from the clock again.
	tok, _ := c.Sign(qex.Credentials{SessionID: "frozen-2-" + run, SessionSecret: "k"}, "/x")
	var claims qex.SessionClaims
	decodeSegment(strings.Split(tok, ".")[1], &claims)
	if claims.Nonce != frozen.UnixMilli() {
		t.Errorf("second session's first nonce = %d, want %d", claims.Nonce, frozen.UnixMilli())
	}
}

func TestNonceIncreasesAcrossClients(t *testing.T) {
	// Two clients in one process, one frozen clock: the second continues
	// where the first stopped.
	frozen := time.UnixMilli(1731590739955)
	a := newClient(t, "http://127.0.0.1:1", qex.WithClock(func() time.Time { return frozen }))
	b := newClient(t, "http://127.0.0.1:2", qex.WithClock(func() time.Time { return frozen }))
	cred := qex.Credentials{SessionID: "shared-" + fmt.Sprint(time.Now().UnixNano()), SessionSecret: "k"}
	var nonces []int64
	for _, c := range []*qex.Client{a, b, a, b} {
		tok, _ := c.Sign(cred, "/p")
		var claims qex.SessionClaims
		decodeSegment(strings.Split(tok, ".")[1], &claims)
		nonces = append(nonces, claims.Nonce)
	}
	for i := 1; i < len(nonces); i++ {
		if nonces[i] <= nonces[i-1] {
			t.Errorf("nonces %v do not increase across clients", nonces)
		}
	}
}

func TestNonceIncreasesUnderConcurrency(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	cred := qex.Credentials{SessionID: "concurrent-1", SessionSecret: "k"}
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				tok, _ := c.Sign(cred, "/p")
				var claims qex.SessionClaims
				decodeSegment(strings.Split(tok, ".")[1], &claims)
				mu.Lock()
				if seen[claims.Nonce] {
					t.Errorf("nonce %d used twice", claims.Nonce)
				}
				seen[claims.Nonce] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestErrorsQuoteTheServerInOneLine(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    string
		check   func(error) bool
		checkOK string
	}{
		{"envelope refusal", 401, `{"success":false,"environment":"SANDBOX","message":"Unknown public_api_key.","payload":null}`,
			`create session failed: the server answered HTTP 401: "Unknown public_api_key."`, qex.IsUnauthorized, "IsUnauthorized"},
		{"success false with 200", 200, `{"success":false,"message":"Key disabled\nby partner","payload":null}`,
			`create session failed: the server answered HTTP 200: "Key disabled by partner"`, nil, ""},
		{"HTML error page", 502, `<html><body>Bad Gateway</body></html>`,
			`create session failed: the server answered HTTP 502: "Bad Gateway"`, nil, ""},
		{"not found", 404, `{"success":false,"message":"Session not found.","payload":null}`,
			`create session failed: the server answered HTTP 404: "Session not found."`, qex.IsNotFound, "IsNotFound"},
		{"not JSON with 200", 200, `<html>hello</html>`,
			"create session failed: the server's answer (HTTP 200) is not QEX API JSON: it is text/html, not JSON; check the API base URL", nil, ""},
		{"escape sequences in the message", 500, "{\"success\":false,\"message\":\"\\u001b[2J\\u001b]0;pwned\\u0007gone\\u202e\",\"payload\":null}",
			`create session failed: the server answered HTTP 500: "[2J ]0;pwned gone"`, nil, ""},
		{"JSON but no envelope", 200, `{}`,
			`create session failed: the server's answer (HTTP 200) is not QEX API JSON: it has no "success" field; check the API base URL`, nil, ""},
		{"wrong payload type", 200, `{"success":true,"payload":{"session_id":42}}`,
			`create session failed: the server's answer (HTTP 200) is not QEX API JSON: payload: field "session_id" has a JSON number where a string was expected; check the API base URL`, nil, ""},
		{"missing secret", 200, `{"success":true,"payload":{"session_id":"abc"}}`,
			"create session failed: the server's answer (HTTP 200) is not QEX API JSON: session_id or session_secret is missing; check the API base URL", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			_, err := newClient(t, srv.URL).CreateSession(context.Background(), "pk_test_key")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n got %v\nwant %s", err, tc.want)
			}
			if tc.check != nil && !tc.check(err) {
				t.Errorf("%s(%v) = false", tc.checkOK, err)
			}
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there now
	_, err := newClient(t, base).CreateSession(context.Background(), "pk_test_key")
	want := "create session failed: nothing answers at " + strings.TrimPrefix(base, "http://") + " (connection refused); check the API base URL, or start the server"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v", err)
	}
}

func TestSlowServerHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := newClient(t, srv.URL).CreateSession(ctx, "pk_test_key")
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("error = %v", err)
	}
}

func TestSecretNeverInErrorsOrFormatting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"success":false,"message":"Invalid JWT","payload":null}`))
	}))
	defer srv.Close()
	cred := qex.Credentials{SessionID: "sid", SessionSecret: testSecret}
	_, err := newClient(t, srv.URL).Accounts(context.Background(), cred)
	sess := qex.Session{SessionID: "sid", SessionSecret: testSecret, Environment: "SANDBOX"}
	for _, s := range []string{fmt.Sprint(err), fmt.Sprintf("%v %+v %#v %s", cred, cred, cred, cred), fmt.Sprintf("%v %+v %#v %s", sess, &sess, sess, &sess)} {
		if strings.Contains(s, testSecret) {
			t.Errorf("secret leaked into %q", s)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	good := map[string]string{
		"https://partners.liquid.com":           "https://partners.liquid.com",
		"https://partners.liquid.com/":          "https://partners.liquid.com",
		"https://partners.liquid.com/api/v1":    "https://partners.liquid.com",
		"https://partners.liquid.com/api/v1/":   "https://partners.liquid.com",
		"http://127.0.0.1:8080":                 "http://127.0.0.1:8080",
		" https://proxy.example/qex ":           "https://proxy.example/qex",
		"https://proxy.example/qex/api/v1":      "https://proxy.example/qex",
		"HTTPS://Partners.Example":              "https://Partners.Example",
		"https://[::1]:9443":                    "https://[::1]:9443",
		"https://partners.liquid.com/v1/api/v1": "https://partners.liquid.com/v1",
	}
	for in, want := range good {
		u, err := qex.ParseBaseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"", "partners.liquid.com", "ftp://x", "https://", "https://x?a=b", "https://u:p@x", "https://x/#f", "javascript:alert(1)"} {
		if _, err := qex.ParseBaseURL(bad); err == nil {
			t.Errorf("ParseBaseURL(%q) accepted", bad)
		}
	}
}

func TestApprovalURL(t *testing.T) {
	c := newClient(t, "https://partners.liquid.com")
	got := c.ApprovalURL("a b/c", "http://127.0.0.1:5000/callback?state=xyz")
	want := "https://partners.liquid.com/api/v1/session/a%20b%2Fc/liquid_oauth?preferred_action=follow_href&return_url=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback%3Fstate%3Dxyz"
	if got != want {
		t.Errorf("ApprovalURL\n got %s\nwant %s", got, want)
	}
	if got := c.ApprovalURL("id", ""); got != "https://partners.liquid.com/api/v1/session/id/liquid_oauth?preferred_action=follow_href" {
		t.Errorf("ApprovalURL without return = %s", got)
	}
}

func TestSignRefusesEmptyCredentials(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	if _, err := c.Sign(qex.Credentials{SessionID: "x"}, "/p"); err == nil {
		t.Error("signed without a secret")
	}
	_, err := c.Accounts(context.Background(), qex.Credentials{})
	if err == nil || !errors.Is(err, err) || !strings.Contains(err.Error(), "no session to sign with") {
		t.Errorf("Accounts without credentials: %v", err)
	}
}

func TestRetryAfterIsReadAndCapped(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		status int
		header string
		want   time.Duration
	}{
		{429, "3", 3 * time.Second},
		{503, now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
		{429, "86400", apihttp.MaxRetryAfter},
		{429, now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{429, "soon", 0},
		{429, "", 0},
		{500, "3", 0}, // only 429 and 503 ask to wait
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", tc.header)
			w.WriteHeader(tc.status)
		}))
		client, err := qex.NewClient(srv.URL, qex.WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.CreateSession(context.Background(), "pk_test_key")
		srv.Close()
		var apiErr *qex.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != tc.want {
			t.Errorf("HTTP %d, Retry-After %q: err %v, want RetryAfter %s", tc.status, tc.header, err, tc.want)
		}
	}
}

func TestAccountsReplyMustHoldBothLists(t *testing.T) {
	for payload, want := range map[string]string{
		`{"crypto_accounts": [], "fiat_accounts": []}`:   "",
		`{"crypto_accounts": null, "fiat_accounts": []}`: "",
		`{}`:                                  "payload: it has no crypto_accounts or fiat_accounts list",
		`{"crypto_accounts": []}`:             "payload: it has no fiat_accounts list",
		`{"accounts": [{"currency": "BTC"}]}`: "payload: it has no crypto_accounts or fiat_accounts list",
		`[]`:                                  "payload: it is not an object with crypto_accounts and fiat_accounts",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"success": true, "payload": %s}`, payload)
		}))
		accounts, err := newClient(t, srv.URL).Accounts(context.Background(), qex.Credentials{SessionID: "s", SessionSecret: "k"})
		srv.Close()
		if want == "" {
			if err != nil || len(accounts.All()) != 0 {
				t.Errorf("%s: %v, %v", payload, accounts, err)
			}
			continue
		}
		var malformed *qex.MalformedResponseError
		if !errors.As(err, &malformed) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to say %q", payload, err, want)
		}
	}
}

func TestRedirectLoopIsASentence(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	_, err := newClient(t, srv.URL).Accounts(context.Background(), qex.Credentials{SessionID: "s", SessionSecret: "k"})
	host := strings.TrimPrefix(srv.URL, "http://")
	if want := "fetch accounts failed: " + host + " kept redirecting (more than 5 times); check the API base URL: it must be the server's own address, not one that redirects"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
