package oauth2_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/oauth2"
)

// fakeService answers /oauth/token and introspect with seed 002's samples,
// recording each form it got; it shares nothing with the emulator.
type fakeService struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newFakeService(t *testing.T) *fakeService {
	f := &fakeService{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil || r.Header.Get("Authorization") != "" {
			http.Error(w, "form data only, no Authorization header", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token/introspect":
			w.Write([]byte(`{"ok": 1, "data": {"tokenInfo": {"accessToken": "7eb2b49801f4ff3bbce93531dcf559c75504013cc0d7c2d03c49a529dedf4d72",
"accessTokenExpiresAt": "2023-09-26T18:54:14.821Z", "scope": "delegated:all,admin:all",
"user": {"_id": "507f1f77bcf86cd799439011", "username": "john_doe", "firstName": "John", "lastName": "Doe", "role": "user", "verified": true, "email": "johndoe@example.com"}}}}`))
		case r.PostForm.Get("refresh_token") == "dead":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error": "invalid_grant", "error_description": "Invalid refresh token"}`))
		default:
			w.Write([]byte(`{"access_token": "7eb2b49801f4ff3bbce93531dcf559c75504013cc0d7c2d03c49a529dedf4d72", "token_type": "Bearer", "expires_in": 3600,
"refresh_token": "95068fcd6ed814ebd14981903c280dce0ff86bc794c1121cc1b10be4fd588c7a"}`))
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeService) last() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.forms[len(f.forms)-1]
}

func keysOf(v url.Values) []string {
	var k []string
	for name := range v {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

func TestClientSpeaksSeed002(t *testing.T) {
	f := newFakeService(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := oauth2.NewClient(f.URL, "application_client", "delegated:all,admin:all", f.Client(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	login, _ := url.Parse(c.LoginURL("https://my-redirect.uri/path", "xxx-yyy-zzz", "v"))
	if q := login.Query(); login.Path != "/login" || q.Get("scope") != "delegated:all,admin:all" || q.Get("state") != "xxx-yyy-zzz" ||
		!slices.Equal(keysOf(q), []string{"client_id", "code_challenge", "code_challenge_method", "redirect_uri", "response_type", "scope", "state"}) {
		t.Errorf("login URL %s", login)
	}

	ctx := context.Background()
	tok, err := c.Exchange(ctx, "the_code", "https://my-redirect.uri/path", "the-verifier")
	form := f.last()
	if err != nil || !tok.Expiry.Equal(now.Add(time.Hour)) || tok.RefreshToken != "95068fcd6ed814ebd14981903c280dce0ff86bc794c1121cc1b10be4fd588c7a" ||
		!slices.Equal(keysOf(form), []string{"client_id", "code", "code_verifier", "grant_type", "redirect_uri", "scope"}) ||
		form.Get("grant_type") != "authorization_code" || form.Get("scope") != "delegated:all,admin:all" || form.Get("code_verifier") != "the-verifier" {
		t.Errorf("exchange %v sent %v: %v", tok, form, err)
	}
	if _, err := c.Refresh(ctx, "old"); err != nil || !slices.Equal(keysOf(f.last()), []string{"client_id", "grant_type", "refresh_token"}) {
		t.Errorf("refresh sent %v: %v", f.last(), err)
	}
	_, err = c.Refresh(ctx, "dead")
	if !oauth2.IsInvalidGrant(err) || err.Error() != "could not refresh the access token: the server answered HTTP 400 (invalid_grant: Invalid refresh token); the refresh token is used, expired (they live 15 days) or revoked: approve again" {
		t.Errorf("refused refresh: %v", err)
	}
	if _, err := c.ClientCredentials(ctx, "super-secure-client-secret"); err != nil ||
		!slices.Equal(keysOf(f.last()), []string{"client_id", "client_secret", "grant_type", "scope"}) || f.last().Get("scope") != "delegated:all,admin:all" {
		t.Errorf("client credentials sent %v: %v", f.last(), err)
	}
	info, err := c.Introspect(ctx, "7eb2")
	if err != nil || info.Scope != "delegated:all,admin:all" || !info.AccessTokenExpiresAt.Equal(time.Date(2023, 9, 26, 18, 54, 14, 821e6, time.UTC)) ||
		f.last().Get("token") != "7eb2" || len(info.User) == 0 {
		t.Errorf("introspect %+v: %v", info, err)
	}
	if _, err := oauth2.NewClient("ftp://x", "id", "s", f.Client(), time.Now); err == nil {
		t.Errorf("a bad base was accepted: %v", err)
	}
}
