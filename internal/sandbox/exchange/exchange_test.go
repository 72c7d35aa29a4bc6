package exchange_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/exchange"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

const redirectURI = "http://127.0.0.1:5555/callback"

// emu is the emulator mounted at /exchange with a clock the test moves.
type emu struct {
	*exchange.Server
	base           string
	client, secret string

	mu  sync.Mutex
	now time.Time
}

func start(t *testing.T, opts ...exchange.Option) *emu {
	t.Helper()
	e := &emu{now: time.Now()}
	e.Server = exchange.New(append([]exchange.Option{exchange.WithClock(e.clock)}, opts...)...)
	e.client, e.secret = e.Client()
	srv := httptest.NewServer(http.StripPrefix("/exchange", e.Server))
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/exchange"
	return e
}

func (e *emu) clock() time.Time        { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *emu) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

// authorizeURL is the seed's authorize link with extra or changed params.
func (e *emu) authorizeURL(change url.Values) string {
	q := url.Values{"client_id": {e.client}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"profile history trade"}, "state": {"s-1"}}
	for k, v := range change {
		q[k] = v
	}
	return e.base + "/oauth/authorize?" + q.Encode()
}

// decide presses decision on the consent page and returns where the
// browser was sent.
func (e *emu) decide(t *testing.T, change url.Values, decision string) url.Values {
	t.Helper()
	visit, err := testbrowser.Submit(context.Background(), e.authorizeURL(change), decision, testbrowser.Options{NoFollow: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(visit.Redirect)
	if err != nil || !strings.HasPrefix(visit.Redirect, redirectURI+"?") {
		t.Fatalf("redirect %q", visit.Redirect)
	}
	return u.Query()
}

func (e *emu) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(e.base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (e *emu) exchange(t *testing.T, code string) (int, map[string]any) {
	return e.token(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {e.client}, "client_secret": {e.secret}, "code": {code}, "redirect_uri": {redirectURI}})
}

func (e *emu) refresh(t *testing.T, refreshToken string) (int, map[string]any) {
	return e.token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {e.client}, "client_secret": {e.secret}, "refresh_token": {refreshToken}})
}

// signIn approves with scope and returns the token answer.
func (e *emu) signIn(t *testing.T, scope string) map[string]any {
	t.Helper()
	status, body := e.exchange(t, e.decide(t, url.Values{"scope": {scope}}, "approve").Get("code"))
	if status != 200 {
		t.Fatalf("exchange: %d %v", status, body)
	}
	return body
}

// keysOf splits a user token.
func keysOf(t *testing.T, tok map[string]any) (access, secret string) {
	t.Helper()
	s, _ := tok["access_token"].(string)
	access, secret, ok := strings.Cut(s, ":")
	if !ok || len(access) != 40 || secret == "" {
		t.Fatalf("user token %q", s)
	}
	return access, secret
}

// peatioSign is written here from providers.md, apart from the emulator.
func peatioSign(secret, method, path string, q url.Values) string {
	var names []string
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var pairs []string
	for _, k := range names {
		pairs = append(pairs, k+"="+q.Get(k))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + "|" + path + "|" + strings.Join(pairs, "&")))
	return hex.EncodeToString(mac.Sum(nil))
}

type apiAnswer struct {
	status int
	raw    string
	code   int
}

// get sends GET path with params, signed with secret unless it is "".
func (e *emu) get(t *testing.T, path string, params url.Values, secret string) apiAnswer {
	t.Helper()
	if secret != "" && params.Get("signature") == "" {
		params.Set("signature", peatioSign(secret, "GET", path, params))
	}
	resp, err := http.Get(e.base + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body struct {
		Error struct{ Code int } `json:"error"`
	}
	json.Unmarshal(raw, &body)
	return apiAnswer{resp.StatusCode, string(raw), body.Error.Code}
}

func (e *emu) tonce(offset time.Duration) string {
	return strconv.FormatInt(e.clock().Add(offset).UnixMilli(), 10)
}

func TestSignedMembersMe(t *testing.T) {
	e := start(t)
	tok := e.signIn(t, "profile history trade")
	if tok["token_type"] != "bearer" || tok["expires_in"] != 14400.0 || tok["scope"] != "profile history trade" || tok["refresh_token"] == "" || tok["created_at"] == nil {
		t.Errorf("token answer %v", tok)
	}
	access, secret := keysOf(t, tok)
	got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {e.tonce(0)}}, secret)
	want := `"accounts":[{"currency":"btc","balance":"0.00726","locked":"0.0"},{"currency":"eth","balance":"12.345678901234567891","locked":"0.5"},{"currency":"cny","balance":"1250.5","locked":"0.0"}]`
	if got.status != 200 || !strings.Contains(got.raw, want) || !strings.Contains(got.raw, `"sn":"PEA7X2K9QZTIO"`) {
		t.Errorf("members/me: %d %s", got.status, got.raw)
	}
	for name, tc := range map[string]struct {
		params url.Values
		secret string
		code   int
	}{
		"no signature":        {url.Values{"access_key": {access}, "tonce": {e.tonce(time.Millisecond)}}, "", 2001},
		"another secret":      {url.Values{"access_key": {access}, "tonce": {e.tonce(2 * time.Millisecond)}}, "not-the-secret", 2005},
		"a changed parameter": {url.Values{"access_key": {access}, "tonce": {e.tonce(3 * time.Millisecond)}, "signature": {peatioSign(secret, "GET", "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {"1"}})}}, "", 2005},
		"an unknown key":      {url.Values{"access_key": {strings.Repeat("A", 40)}, "tonce": {e.tonce(4 * time.Millisecond)}}, secret, 2008},
	} {
		if got := e.get(t, "/api/v2/members/me", tc.params, tc.secret); got.status != 401 || got.code != tc.code {
			t.Errorf("%s: %d %s, want code %d", name, got.status, got.raw, tc.code)
		}
	}
	// Extra parameters are signed too, in name order.
	if got := e.get(t, "/api/v2/orders", url.Values{"market": {"btccny"}, "access_key": {access}, "tonce": {e.tonce(5 * time.Millisecond)}}, secret); got.status != 200 || !strings.Contains(got.raw, `"price":"41250.0"`) {
		t.Errorf("orders: %d %s", got.status, got.raw)
	}
	if got := e.get(t, "/api/v2/markets", url.Values{}, ""); got.status != 200 || !strings.Contains(got.raw, `"id":"btccny"`) {
		t.Errorf("markets (unsigned): %d %s", got.status, got.raw)
	}
}

func TestTonceMustBeRecentAndIncreasing(t *testing.T) {
	e := start(t)
	access, secret := keysOf(t, e.signIn(t, "profile"))
	call := func(tonce string) apiAnswer {
		return e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {tonce}}, secret)
	}
	first := e.tonce(0)
	if got := call(first); got.status != 200 {
		t.Fatalf("first: %d %s", got.status, got.raw)
	}
	if got := call(first); got.code != 2006 {
		t.Errorf("the same tonce again: %d %s", got.status, got.raw)
	}
	if got := call(e.tonce(-time.Second)); got.code != 2006 {
		t.Errorf("an older tonce: %d %s", got.status, got.raw)
	}
	if got := call(e.tonce(31 * time.Second)); got.code != 2007 {
		t.Errorf("a tonce 31 s ahead: %d %s", got.status, got.raw)
	}
	e.advance(time.Minute)
	if got := call(first); got.code != 2007 {
		t.Errorf("a tonce a minute old: %d %s", got.status, got.raw)
	}
	// A refused signature uses up nothing.
	next := e.tonce(0)
	if got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {next}}, "wrong"); got.code != 2005 {
		t.Fatalf("wrong signature: %d %s", got.status, got.raw)
	}
	if got := call(next); got.status != 200 {
		t.Errorf("the tonce of a refused call: %d %s", got.status, got.raw)
	}
}

func TestKeysExpireAndRefreshRotates(t *testing.T) {
	e := start(t, exchange.WithKeyLifetime(time.Hour))
	tok := e.signIn(t, "profile")
	if tok["expires_in"] != 3600.0 {
		t.Errorf("expires_in %v with a 1 h lifetime", tok["expires_in"])
	}
	access, secret := keysOf(t, tok)
	e.advance(time.Hour)
	got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {e.tonce(0)}}, secret)
	if got.status != 401 || got.code != 2010 || !strings.Contains(got.raw, "The access key "+access+" has expired.") {
		t.Errorf("expired key: %d %s", got.status, got.raw)
	}
	status, fresh := e.refresh(t, tok["refresh_token"].(string))
	if status != 200 || fresh["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", status, fresh)
	}
	newAccess, newSecret := keysOf(t, fresh)
	if got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {newAccess}, "tonce": {e.tonce(0)}}, newSecret); got.status != 200 || newAccess == access {
		t.Errorf("renewed key: %d %s", got.status, got.raw)
	}
	if status, body := e.refresh(t, tok["refresh_token"].(string)); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the rotated-away refresh token: %d %v", status, body)
	}
	// ExpireKeys: 2010 at once.
	e.ExpireKeys()
	if got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {newAccess}, "tonce": {e.tonce(time.Millisecond)}}, newSecret); got.code != 2010 {
		t.Errorf("after ExpireKeys: %d %s", got.status, got.raw)
	}
}

func TestScopesLimitCalls(t *testing.T) {
	e := start(t)
	access, secret := keysOf(t, e.signIn(t, "profile"))
	if got := e.get(t, "/api/v2/orders", url.Values{"market": {"btccny"}, "access_key": {access}, "tonce": {e.tonce(0)}}, secret); got.code != 2011 {
		t.Errorf("orders with scope profile: %d %s", got.status, got.raw)
	}
	// '+' as the seed writes it, sent escaped (%2B), reads as spaces.
	tok := e.signIn(t, "history+trade")
	if tok["scope"] != "history trade" {
		t.Errorf("scope %v", tok["scope"])
	}
	access, secret = keysOf(t, tok)
	if got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {e.tonce(0)}}, secret); got.code != 2011 {
		t.Errorf("members/me without profile: %d %s", got.status, got.raw)
	}
}

func TestTokenEndpointInsistsOnTheClientSecret(t *testing.T) {
	e := start(t)
	code := e.decide(t, nil, "approve").Get("code")
	for name, form := range map[string]url.Values{
		"no secret":       {"grant_type": {"authorization_code"}, "client_id": {e.client}, "code": {code}, "redirect_uri": {redirectURI}},
		"a wrong secret":  {"grant_type": {"authorization_code"}, "client_id": {e.client}, "client_secret": {"guess"}, "code": {code}, "redirect_uri": {redirectURI}},
		"another client":  {"grant_type": {"authorization_code"}, "client_id": {"other"}, "client_secret": {e.secret}, "code": {code}, "redirect_uri": {redirectURI}},
		"a refresh grant": {"grant_type": {"refresh_token"}, "client_id": {e.client}, "refresh_token": {"x"}},
	} {
		if status, body := e.token(t, form); status != 401 || body["error"] != "invalid_client" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	// The refusals above did not use the code up; another redirect_uri does.
	if status, body := e.token(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {e.client}, "client_secret": {e.secret}, "code": {code}, "redirect_uri": {"http://127.0.0.1:6666/callback"}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("another redirect_uri: %d %v", status, body)
	}
	if status, body := e.exchange(t, code); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a code tried once already: %d %v", status, body)
	}
	code = e.decide(t, nil, "approve").Get("code")
	if status, _ := e.exchange(t, code); status != 200 {
		t.Fatalf("exchange: %d", status)
	}
	if status, body := e.exchange(t, code); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the code a second time: %d %v", status, body)
	}
	code = e.decide(t, nil, "approve").Get("code")
	e.advance(exchange.DefaultCodeLifetime)
	if status, body := e.exchange(t, code); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("an expired code: %d %v", status, body)
	}
}

// noFollow loads a page without following redirects.
func noFollow(t *testing.T, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

func TestConsentPage(t *testing.T) {
	e := start(t, exchange.WithMember(exchange.Member{SN: "PEA1TIO", Name: `<script>alert("x")</script>`, Email: "m@x.test", Accounts: []exchange.Account{}}))
	resp, body := noFollow(t, http.MethodGet, e.authorizeURL(url.Values{"state": {`"><img src=x>`}}), nil)
	if resp.StatusCode != 200 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "<img") {
		t.Errorf("consent page %d:\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://127.0.0.1:5555") {
		t.Errorf("CSP %q", csp)
	}
	for _, tc := range []struct{ name, page string }{
		{"an unknown client", e.authorizeURL(url.Values{"client_id": {"other"}})},
		{"an unregistered host", e.authorizeURL(url.Values{"redirect_uri": {"https://evil.example/callback"}})},
		{"an unregistered path", e.authorizeURL(url.Values{"redirect_uri": {"http://127.0.0.1:5555/other"}})},
	} {
		if resp, _ := noFollow(t, http.MethodGet, tc.page, nil); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d to %q", tc.name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ = noFollow(t, http.MethodGet, e.authorizeURL(url.Values{"response_type": {"token"}}), nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, redirectURI+"?") || !strings.Contains(loc, "error=unsupported_response_type") {
		t.Errorf("response_type=token: %d to %q", resp.StatusCode, loc)
	}
	// The app's other return addresses: IPv6 loopback and the deep link.
	for _, uri := range []string{"http://[::1]:4321/callback", "io.qexcompanion.app:/callback"} {
		visit, err := testbrowser.Submit(context.Background(), e.authorizeURL(url.Values{"redirect_uri": {uri}}), "approve", testbrowser.Options{NoFollow: true})
		if err != nil || !strings.HasPrefix(visit.Redirect, uri+"?code=") || !strings.HasSuffix(visit.Redirect, "&state=s-1") {
			t.Errorf("%s: %v %+v", uri, err, visit)
		}
	}
	// A form without the page's token is refused.
	_, page := noFollow(t, http.MethodGet, e.authorizeURL(nil), nil)
	request := page[strings.Index(page, `name="request" value="`)+len(`name="request" value="`):]
	request = request[:strings.Index(request, `"`)]
	resp, _ = noFollow(t, http.MethodPost, e.base+"/oauth/authorize", url.Values{"request": {request}, "authenticity_token": {"forged"}, "decision": {"approve"}})
	if resp.StatusCode != 403 || resp.Header.Get("Location") != "" {
		t.Errorf("forged form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRevokeEndsTheApproval(t *testing.T) {
	e := start(t)
	tok := e.signIn(t, "profile")
	access, secret := keysOf(t, tok)
	status, renewed := e.refresh(t, tok["refresh_token"].(string))
	if status != 200 {
		t.Fatal(status)
	}
	resp, err := http.PostForm(e.base+"/oauth/revoke", url.Values{"client_id": {e.client}, "client_secret": {e.secret}, "token": {renewed["refresh_token"].(string)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("revoke: %d", resp.StatusCode)
	}
	if got := e.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {e.tonce(0)}}, secret); got.code != 2008 {
		t.Errorf("a key of the revoked approval: %d %s", got.status, got.raw)
	}
	if status, body := e.refresh(t, renewed["refresh_token"].(string)); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the revoked refresh token: %d %v", status, body)
	}
}

var masterKey = []byte("a master key for the exchange sandbox")

func TestPersistenceKeepsKeysAndTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exchange.json")
	first := start(t, exchange.WithPersistence(path, masterKey))
	tok := first.signIn(t, "profile")
	access, secret := keysOf(t, tok)
	raw, _ := os.ReadFile(path)
	if len(raw) == 0 || strings.Contains(string(raw), access) || strings.Contains(string(raw), secret) || strings.Contains(string(raw), tok["refresh_token"].(string)) || strings.Contains(string(raw), first.secret) {
		t.Errorf("state file holds a secret or nothing:\n%s", raw)
	}
	second := start(t, exchange.WithPersistence(path, masterKey))
	if second.client != first.client || second.secret != first.secret {
		t.Error("the client changed across a restart")
	}
	if got := second.get(t, "/api/v2/members/me", url.Values{"access_key": {access}, "tonce": {second.tonce(0)}}, secret); got.status != 200 {
		t.Errorf("the key after a restart: %d %s", got.status, got.raw)
	}
	if status, body := second.refresh(t, tok["refresh_token"].(string)); status != 200 {
		t.Errorf("the refresh token after a restart: %d %v", status, body)
	}
	other := start(t, exchange.WithPersistence(filepath.Join(t.TempDir(), "other.json"), []byte("another key")))
	if other.secret == first.secret {
		t.Error("two master keys gave one client secret")
	}
}
