package liquid_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/liquid"
)

const (
	testTokenID     = "4242"
	testTokenSecret = "t0ken-s3cret-for-tests"
	testPublicID    = "11111111-2222-3333-4444-555555555555"
	testPrivateID   = "99999999-8888-7777-6666-555555555555"
)

// fakeLiquid is a Liquid API written from seed 001 alone: it checks every
// header and claim with its own HMAC code and answers the seed's samples.
type fakeLiquid struct {
	t *testing.T
	*httptest.Server

	mu        sync.Mutex
	lastNonce int64
	approved  bool
	paths     []string // path claims of verified calls
	rawToken  []any    // token_id claims as decoded (number or string)
}

func newFakeLiquid(t *testing.T) *fakeLiquid {
	f := &fakeLiquid{t: t}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// verify checks X-Quoine-Auth by hand: HS256 over the token secret, exactly
// the documented claims, the exact path, an increasing nonce.
func (f *fakeLiquid) verify(r *http.Request, wantIDs bool) error {
	if v := r.Header.Get("X-Quoine-API-Version"); v != "2" {
		return fmt.Errorf("X-Quoine-API-Version = %q", v)
	}
	parts := strings.Split(r.Header.Get("X-Quoine-Auth"), ".")
	if len(parts) != 3 {
		return errors.New("X-Quoine-Auth is not a JWT")
	}
	var header map[string]string
	if err := decodeSegment(parts[0], &header); err != nil || header["alg"] != "HS256" {
		return fmt.Errorf("header %v", header)
	}
	mac := hmac.New(sha256.New, []byte(testTokenSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if got, _ := base64.RawURLEncoding.DecodeString(parts[2]); !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("bad signature")
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(mustDecode(parts[1])))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return err
	}
	want := []string{"nonce", "path", "token_id"}
	if wantIDs {
		want = append(want, "oauth_request_private_id", "oauth_request_public_id")
	}
	if len(claims) != len(want) {
		return fmt.Errorf("claims %v, want exactly %v", keys(claims), want)
	}
	if claims["path"] != r.URL.RequestURI() {
		return fmt.Errorf("path claim %v, request %s", claims["path"], r.URL.RequestURI())
	}
	if wantIDs && (claims["oauth_request_public_id"] != testPublicID || claims["oauth_request_private_id"] != testPrivateID) {
		return errors.New("wrong oauth request ids")
	}
	nonce, err := claims["nonce"].(json.Number).Int64()
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if nonce <= f.lastNonce {
		return fmt.Errorf("nonce %d not above %d", nonce, f.lastNonce)
	}
	f.lastNonce = nonce
	f.paths = append(f.paths, claims["path"].(string))
	f.rawToken = append(f.rawToken, claims["token_id"])
	return nil
}

func (f *fakeLiquid) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/system/oauth_requests":
		if err := f.verify(r, false); err != nil {
			f.t.Errorf("create: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body) != 1 || body["external_ref"] == nil {
			f.t.Errorf("create body = %v, %v; want exactly external_ref", body, err)
		}
		fmt.Fprintf(w, `{"oauth_request_public_id": %q, "oauth_request_private_id": %q, "expires": 1893456000, "app_challenge_href": "https://app.liquid.com/oauth?ref=%s", "api_challenge_href": "https://api.liquid.com/oauth/%s/approve"}`,
			testPublicID, testPrivateID, testPublicID, testPublicID)
	case r.Method == http.MethodGet && (r.URL.Path == "/user/context" || r.URL.Path == "/accounts"):
		if err := f.verify(r, true); err != nil {
			f.t.Errorf("%s: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		approved := f.approved
		f.mu.Unlock()
		if !approved {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message": "oauth request not approved"}`))
			return
		}
		name := map[string]string{"/user/context": "seed001_user_context.json", "/accounts": "seed001_accounts.json"}[r.URL.Path]
		w.Write(readTestdata(f.t, name))
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message": "not found"}`))
	}
}

func TestCreateApproveAndRead(t *testing.T) {
	f := newFakeLiquid(t)
	c, err := liquid.NewClient(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	tok := liquid.Token{ID: testTokenID, Secret: testTokenSecret}
	ctx := context.Background()
	req, err := c.CreateOAuthRequest(ctx, tok, "qex-companion")
	if err != nil {
		t.Fatal(err)
	}
	if req.PublicID != testPublicID || req.PrivateID != testPrivateID || !req.Expires.Equal(time.Unix(1893456000, 0)) ||
		req.AppChallengeHref != "https://app.liquid.com/oauth?ref="+testPublicID {
		t.Fatalf("request = %+v", req)
	}
	if _, _, err := c.UserContext(ctx, tok, req.Grant); !liquid.IsUnauthorized(err) {
		t.Fatalf("before approval: %v, want a 401", err)
	} else if !strings.Contains(err.Error(), "oauth request not approved") {
		t.Errorf("error %q does not quote the server", err)
	}
	f.mu.Lock()
	f.approved = true
	f.mu.Unlock()
	user, raw, err := c.UserContext(ctx, tok, req.Grant)
	if err != nil {
		t.Fatal(err)
	}
	if user.FirstName != "花子" || user.Email != "hanako@example.jp" || !user.IsFullyVerified || user.Modules["trading"][0] != "spot" || user.UserID != "1111" {
		t.Errorf("user = %+v", user)
	}
	if !json.Valid(raw) || !strings.Contains(string(raw), `"affiliate_code": "aff-1"`) {
		t.Errorf("raw user context not kept as received: %s", raw)
	}
	accounts, err := c.Accounts(ctx, tok, req.Grant)
	if err != nil {
		t.Fatal(err)
	}
	for _, exact := range []string{`"balance": "0.06"`, `"balance": "0.00726"`, `"highest_offer_interest_rate": "0.00200"`} {
		if !strings.Contains(string(accounts), exact) {
			t.Errorf("accounts lost %s", exact)
		}
	}
	want := []string{"/system/oauth_requests", "/user/context", "/user/context", "/accounts"}
	if fmt.Sprint(f.paths) != fmt.Sprint(want) {
		t.Errorf("signed paths %v, want %v", f.paths, want)
	}
	for _, id := range f.rawToken {
		if n, ok := id.(json.Number); !ok || n != testTokenID {
			t.Errorf("token_id claim %#v, want the number %s", id, testTokenID)
		}
	}
}

func TestSignedPathKeepsQueryAndBasePrefix(t *testing.T) {
	var gotURI, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotURI = r.URL.RequestURI()
		parts := strings.Split(r.Header.Get("X-Quoine-Auth"), ".")
		var claims struct {
			Path    string `json:"path"`
			TokenID any    `json:"token_id"`
		}
		decodeSegment(parts[1], &claims)
		gotPath = claims.Path
		if s, ok := claims.TokenID.(string); !ok || s != "tok-abc" {
			t.Errorf("token_id %#v, want the string tok-abc", claims.TokenID)
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, _ := liquid.NewClient(srv.URL + "/liquid/")
	_, err := c.Do(context.Background(), "call", liquid.Token{ID: "tok-abc", Secret: "s"}, &liquid.Grant{PublicID: "p", PrivateID: "q"}, "GET", "/orders?product_id=5&limit=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if gotURI != "/liquid/orders?product_id=5&limit=2" || gotPath != "/orders?product_id=5&limit=2" {
		t.Errorf("sent %s signed %s; want the base prefix on the wire and the path relative to the base in the claim", gotURI, gotPath)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	now := time.Now()
	cases := []struct {
		status int
		header string
		body   string
		want   []string
	}{
		{401, "", `{"message": "invalid token"}`, []string{"HTTP 401", "invalid token", "check the API token id and secret"}},
		{422, "", `{"errors": {"external_ref": ["must_be_string"]}}`, []string{"HTTP 422", "external_ref: must_be_string"}},
		{429, "17", `{"message": "rate limited"}`, []string{"HTTP 429", "try again in 17s"}},
		{503, "", `<html>maintenance</html>`, []string{"HTTP 503", "unavailable", "try again"}},
		{400, "", `{"message": "bad\u001b[2J\u001b]0;pwned\u0007\u202e"}`, []string{"HTTP 400", "bad"}},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		c, _ := liquid.NewClient(srv.URL, liquid.WithClock(func() time.Time { return now }))
		_, err := c.CreateOAuthRequest(context.Background(), liquid.Token{ID: "1", Secret: "s"}, "x")
		srv.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("HTTP %d: %q lacks %q", tc.status, msg, w)
			}
		}
		if strings.ContainsAny(msg, "\x1b\x07\n\u202e") {
			t.Errorf("HTTP %d: %q carries control characters", tc.status, msg)
		}
	}
}

func TestMalformedAnswersAreRefused(t *testing.T) {
	cases := map[string]string{
		"no ids":         `{"expires": 1, "app_challenge_href": "https://a/b"}`,
		"bad href":       `{"oauth_request_public_id": "a", "oauth_request_private_id": "b", "app_challenge_href": "javascript:alert(1)"}`,
		"bad expires":    `{"oauth_request_public_id": "a", "oauth_request_private_id": "b", "app_challenge_href": "https://a/b", "expires": "soon"}`,
		"not json":       `<html>`,
		"wrong id types": `{"oauth_request_public_id": 5, "oauth_request_private_id": "b"}`,
	}
	for name, body := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		c, _ := liquid.NewClient(srv.URL)
		_, err := c.CreateOAuthRequest(context.Background(), liquid.Token{ID: "1", Secret: "s"}, "x")
		srv.Close()
		var malformed *liquid.MalformedResponseError
		if !errors.As(err, &malformed) {
			t.Errorf("%s: %v, want a malformed-response error", name, err)
		}
	}
}

func TestExpiresAcceptsSecondsMillisAndISO(t *testing.T) {
	want := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, expires := range []string{`1893456000`, `"1893456000"`, `1893456000000`, `"2030-01-01T00:00:00Z"`, `"2030-01-01T09:00:00+09:00"`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"oauth_request_public_id": "a", "oauth_request_private_id": "b", "app_challenge_href": "https://a/b", "expires": %s}`, expires)
		}))
		c, _ := liquid.NewClient(srv.URL)
		req, err := c.CreateOAuthRequest(context.Background(), liquid.Token{ID: "1", Secret: "s"}, "x")
		srv.Close()
		if err != nil || !req.Expires.Equal(want) {
			t.Errorf("expires %s: %v, %v", expires, req, err)
		}
	}
}

func TestAccountsNeedBothLists(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"crypto_accounts": []}`)) }))
	defer srv.Close()
	c, _ := liquid.NewClient(srv.URL)
	_, err := c.Accounts(context.Background(), liquid.Token{ID: "1", Secret: "s"}, liquid.Grant{PublicID: "p", PrivateID: "q"})
	if err == nil || !strings.Contains(err.Error(), "fiat_accounts is missing") {
		t.Errorf("err = %v", err)
	}
}

func TestNoncesIncreaseAcrossClients(t *testing.T) {
	frozen := time.UnixMilli(1_700_000_000_000)
	a, _ := liquid.NewClient("https://a.example", liquid.WithClock(func() time.Time { return frozen }))
	b, _ := liquid.NewClient("https://b.example", liquid.WithClock(func() time.Time { return frozen }))
	tok := liquid.Token{ID: "nonce-test", Secret: "s"}
	var last float64
	for i := range 10 {
		c := a
		if i%2 == 1 {
			c = b
		}
		signed, err := c.Sign(tok, nil, "/accounts")
		if err != nil {
			t.Fatal(err)
		}
		var claims struct{ Nonce float64 }
		decodeSegment(strings.Split(signed, ".")[1], &claims)
		if claims.Nonce <= last {
			t.Fatalf("nonce %v after %v", claims.Nonce, last)
		}
		last = claims.Nonce
	}
}

func TestSecretsStayOutOfFormatting(t *testing.T) {
	tok := liquid.Token{ID: "1", Secret: testTokenSecret}
	g := liquid.Grant{PublicID: testPublicID, PrivateID: testPrivateID}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v", tok, g, g), fmt.Sprintf("%v", &liquid.OAuthRequest{Grant: g})} {
		if strings.Contains(s, testTokenSecret) || strings.Contains(s, testPrivateID) {
			t.Errorf("a secret is in %q", s)
		}
	}
}

func decodeSegment(seg string, out any) error { return json.Unmarshal([]byte(mustDecode(seg)), out) }

func mustDecode(seg string) string {
	b, _ := base64.RawURLEncoding.DecodeString(seg)
	return string(b)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
