package oauth2_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

const redirect = "http://127.0.0.1:4567/callback"

type server struct {
	base           string
	mu             sync.Mutex
	now            time.Time
	client, secret string
}

func start(t *testing.T, opts ...oauth2.Option) *server {
	s := &server{now: time.Now()}
	srv := oauth2.New(append([]oauth2.Option{oauth2.WithClock(func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now })}, opts...)...)
	s.client, s.secret = srv.Client()
	h := httptest.NewServer(http.StripPrefix("/oauth2", srv))
	t.Cleanup(h.Close)
	s.base = h.URL + "/oauth2"
	return s
}

func (s *server) advance(d time.Duration) { s.mu.Lock(); s.now = s.now.Add(d); s.mu.Unlock() }

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *server) loginURL(q url.Values) string {
	base := url.Values{"response_type": {"code"}, "client_id": {s.client}, "redirect_uri": {redirect}, "state": {"st-1"},
		"scope": {"delegated:all"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
	for k, v := range q {
		base[k] = v
	}
	return s.base + "/login?" + base.Encode()
}

const verifier = "a-verifier-of-forty-three-characters-or-more-1234"

// decide answers the consent page and returns where the browser went.
func (s *server) decide(t *testing.T, q url.Values, decision string) url.Values {
	t.Helper()
	visit, err := testbrowser.Submit(context.Background(), s.loginURL(q), decision, testbrowser.Options{NoFollow: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(visit.Redirect)
	if err != nil || !strings.HasPrefix(visit.Redirect, redirect+"?") {
		t.Fatalf("redirected to %q", visit.Redirect)
	}
	return u.Query()
}

func (s *server) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (s *server) exchange(t *testing.T, code, v string) (int, map[string]any) {
	return s.token(t, url.Values{"grant_type": {"authorization_code"}, "client_id": {s.client}, "code": {code}, "redirect_uri": {redirect}, "scope": {"delegated:all"}, "code_verifier": {v}})
}

func TestCodeGrantWithPKCE(t *testing.T) {
	s := start(t)
	q := s.decide(t, nil, "approve")
	if q.Get("state") != "st-1" || len(q.Get("code")) != 64 {
		t.Fatalf("return %v", q)
	}
	if status, body := s.exchange(t, q.Get("code"), "wrong-verifier-wrong-verifier-wrong-verifier"); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, body)
	}
	// The refused attempt used the code up, as a stolen code's would.
	if status, body := s.exchange(t, q.Get("code"), verifier); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("code after a wrong verifier: %d %v", status, body)
	}
	q = s.decide(t, nil, "approve")
	status, body := s.exchange(t, q.Get("code"), verifier)
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != 3600.0 || body["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", status, body)
	}
	if status, body := s.exchange(t, q.Get("code"), verifier); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d %v", status, body)
	}
	q = s.decide(t, nil, "approve")
	s.advance(oauth2.DefaultCodeLifetime + time.Second)
	if status, body := s.exchange(t, q.Get("code"), verifier); status != 400 || body["error_description"] != "the authorization code expired" {
		t.Errorf("expired code: %d %v", status, body)
	}
}

func TestLoginRefusesPlainPKCEAndDenialReturnsState(t *testing.T) {
	s := start(t)
	visit, err := testbrowser.Submit(context.Background(), s.loginURL(url.Values{"code_challenge_method": {"plain"}, "code_challenge": {verifier}}), "approve", testbrowser.Options{NoFollow: true})
	if err == nil {
		t.Fatalf("a plain challenge got a consent page: %+v", visit)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(s.loginURL(url.Values{"code_challenge_method": {"plain"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "st-1" {
		t.Errorf("plain: %d %s", resp.StatusCode, loc)
	}
	if q := s.decide(t, nil, "deny"); q.Get("error") != "access_denied" || q.Get("state") != "st-1" || q.Has("code") {
		t.Errorf("deny: %v", q)
	}
}

func TestRefreshRotatesAndIntrospectIsCamelCase(t *testing.T) {
	s := start(t, oauth2.WithLifetimes(0, 2*time.Minute, time.Hour))
	_, first := s.exchange(t, s.decide(t, nil, "approve").Get("code"), verifier)
	refresh := func(rt any) (int, map[string]any) {
		return s.token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {s.client}, "refresh_token": {rt.(string)}})
	}
	status, second := refresh(first["refresh_token"])
	if status != 200 || second["refresh_token"] == first["refresh_token"] || second["expires_in"] != 120.0 {
		t.Fatalf("refresh: %d %v", status, second)
	}
	if status, body := refresh(first["refresh_token"]); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("old refresh token: %d %v", status, body)
	}
	resp, err := http.PostForm(s.base+"/oauth/token/introspect", url.Values{"token": {second["access_token"].(string)}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var body struct {
		OK   int
		Data struct {
			TokenInfo struct {
				AccessToken, AccessTokenExpiresAt, Scope string
				User                                     map[string]any
			}
		}
	}
	if json.Unmarshal(raw, &body) != nil || body.OK != 1 || body.Data.TokenInfo.AccessToken != second["access_token"] || body.Data.TokenInfo.Scope != "delegated:all" ||
		body.Data.TokenInfo.User["firstName"] != "Hanako" || !strings.Contains(string(raw), `"accessTokenExpiresAt":"`) || strings.Contains(string(raw), "access_token") {
		t.Errorf("introspect %s", raw)
	}
	s.advance(time.Hour + time.Second)
	if status, body := refresh(second["refresh_token"]); status != 400 || body["error_description"] != "the refresh token expired" {
		t.Errorf("expired refresh token: %d %v", status, body)
	}
	req, _ := http.NewRequest("GET", s.base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+second["access_token"].(string))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("expired token on /api/me: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestClientCredentialsAndFormOnly(t *testing.T) {
	s := start(t)
	cc := func(secret string) (int, map[string]any) {
		return s.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {s.client}, "client_secret": {secret}, "scope": {"client:profile:read"}})
	}
	if status, body := cc(s.secret); status != 200 || body["refresh_token"] != nil || body["access_token"] == nil {
		t.Errorf("right secret: %d %v", status, body)
	}
	for _, secret := range []string{"", "wrong"} {
		if status, body := cc(secret); status != 401 || body["error"] != "invalid_client" {
			t.Errorf("secret %q: %d %v", secret, status, body)
		}
	}
	resp, err := http.Post(s.base+"/oauth/token", "application/json", strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("JSON body: %d", resp.StatusCode)
	}
	if status, body := s.token(t, url.Values{"grant_type": {"password"}, "client_id": {s.client}}); status != 400 || body["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %d %v", status, body)
	}
}

func TestConsentPageEscapesAndHidesTheSecret(t *testing.T) {
	s := start(t, oauth2.WithApp(oauth2.App{ID: "evil", Name: `<script>alert(1)</script>`, Secret: "app-secret-123", RedirectURIs: []string{redirect}}))
	resp, err := http.Get(s.base + "/login?" + url.Values{"response_type": {"code"}, "client_id": {"evil"}, "redirect_uri": {redirect}, "state": {"<b>x</b>"},
		"scope": {"delegated:all"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(raw)
	if resp.StatusCode != 200 || strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, "app-secret-123") ||
		strings.Contains(page, "<b>x</b>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' http://127.0.0.1:4567") {
		t.Errorf("page %d, CSP %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), page)
	}
	// An unregistered return address is never redirected to.
	resp, err = http.Get(s.loginURL(url.Values{"redirect_uri": {"https://evil.example/cb"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Request.URL.Host == "evil.example" {
		t.Errorf("unregistered redirect: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}
