package liquidcommerce_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/liquidcommerce"
)

const testKey = "lc_live_test_key_f00dfeed"

// fakeLC is a LiquidCommerce API written from seed 003 alone: its
// authentication answers the seed's sample envelopes, and /echo stands for
// any authenticated endpoint, taking a Bearer token and honouring
// "refresh": true with an auth object.
type fakeLC struct {
	t *testing.T
	*httptest.Server

	mu         sync.Mutex
	now        time.Time
	lifetime   time.Duration
	issued     int
	valid      map[string]bool // tokens /echo accepts
	auths      int
	echoes     []string // bodies /echo received, "" for none
	authAnswer func(w http.ResponseWriter) bool
	refuseAll  bool // /echo refuses every token
}

func newFakeLC(t *testing.T) *fakeLC {
	f := &fakeLC{t: t, now: time.UnixMilli(1731590739955), lifetime: 24 * time.Hour, valid: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLC) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeLC) advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

// metadata is the seed's sample metadata.
const metadata = `{"languages": ["en"], "timestamp": 1731590739955, "timezone": "UTC", "requestId": "reqid_123abc45def", "path": "/api/authentication", "version": "1.7.0"}`

// issueLocked makes a new token; the caller holds mu.
func (f *fakeLC) issueLocked() (string, int64) {
	f.issued++
	tok := fmt.Sprintf("tok-%d", f.issued)
	f.valid[tok] = true
	return tok, f.now.Add(f.lifetime).UnixMilli()
}

func (f *fakeLC) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/authentication":
		f.auths++
		if r.Method != http.MethodGet || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "" {
			f.t.Errorf("authentication: %s, Content-Type %q, Authorization %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"))
		}
		if f.authAnswer != nil && f.authAnswer(w) {
			return
		}
		if r.Header.Get("X-LIQUID-API-KEY") != testKey {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"statusCode": 5000, "message": "API Key not found", "metadata": %s, "errors": []}`, metadata)
			return
		}
		tok, exp := f.issueLocked()
		fmt.Fprintf(w, `{"statusCode": 200, "message": "OK", "metadata": %s, "data": {"token": %q, "type": "ACCESS_TOKEN", "exp": %d}}`, metadata, tok, exp)
	case "/echo":
		if r.Header.Get("X-LIQUID-API-KEY") != "" {
			f.t.Error("the API key was sent with a Bearer call")
		}
		raw, _ := io.ReadAll(r.Body)
		f.echoes = append(f.echoes, string(raw))
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !f.valid[tok] || f.refuseAll {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"statusCode": 401, "message": "Unauthorized", "metadata": %s, "errors": []}`, metadata)
			return
		}
		var body struct{ Refresh bool }
		json.Unmarshal(raw, &body) //nolint:errcheck // a GET has none
		authObj := ""
		if body.Refresh {
			tok, exp := f.issueLocked()
			authObj = fmt.Sprintf(`"auth": {"token": %q, "type": "ACCESS_TOKEN", "exp": %d}, `, tok, exp)
		}
		fmt.Fprintf(w, `{%s"statusCode": 200, "message": "OK", "metadata": %s, "data": {"echo": true}}`, authObj, metadata)
	default:
		http.NotFound(w, r)
	}
}

// revokeAll makes /echo refuse every token issued so far.
func (f *fakeLC) revokeAll() { f.mu.Lock(); clear(f.valid); f.mu.Unlock() }

func (f *fakeLC) counts() (auths int, echoes []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auths, append([]string(nil), f.echoes...)
}

func (f *fakeLC) client(t *testing.T, key string) *liquidcommerce.Client {
	c, err := liquidcommerce.NewClient(f.URL, key, liquidcommerce.WithClock(f.clock))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthenticateReadsTheSeedsEnvelope(t *testing.T) {
	f := newFakeLC(t)
	c := f.client(t, testKey)
	tok, err := c.Authenticate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "tok-1" || tok.Type != "ACCESS_TOKEN" || !tok.Expires.Equal(f.clock().Add(24*time.Hour)) || c.Token() != tok {
		t.Errorf("token %#v expires %s", tok, tok.Expires)
	}
	if m := c.Metadata(); m != (liquidcommerce.Metadata{RequestID: "reqid_123abc45def", Version: "1.7.0", Timezone: "UTC"}) {
		t.Errorf("metadata %+v", m)
	}
	if s := fmt.Sprintf("%v %#v %+v", tok, tok, tok); strings.Contains(s, "tok-1") {
		t.Errorf("formatting a token shows it: %s", s)
	}
}

func TestBadKeyIsOneLineSayingWhatToCheck(t *testing.T) {
	f := newFakeLC(t)
	_, err := f.client(t, "lc_wrong").Authenticate(context.Background())
	want := `authenticate with the API key failed: the server answered HTTP 401: "5000 API Key not found"; check the API key ($LIQUIDCOMMERCE_API_KEY) (request id reqid_123abc45def)`
	if err == nil || err.Error() != want || !liquidcommerce.IsUnauthorized(err) {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.client(t, "").Authenticate(context.Background()); err == nil || !strings.Contains(err.Error(), "$LIQUIDCOMMERCE_API_KEY") {
		t.Errorf("no key: %v", err)
	}
}

func TestRateLimitSaysWhenToRetry(t *testing.T) {
	f := newFakeLC(t)
	f.authAnswer = func(w http.ResponseWriter) bool {
		w.Header().Set("Retry-After", "17")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"statusCode": 429, "message": "Too\u001b[31mMany Requests", "metadata": %s, "errors": ["slow down\nplease", {"field": "X-LIQUID-API-KEY", "message": "over quota"}]}`, metadata)
		return true
	}
	_, err := f.client(t, testKey).Authenticate(context.Background())
	var apiErr *liquidcommerce.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 17*time.Second || liquidcommerce.IsUnauthorized(err) {
		t.Fatalf("err = %#v", err)
	}
	want := `authenticate with the API key failed: the server answered HTTP 429: "Too [31mMany Requests: slow down please; X-LIQUID-API-KEY over quota"; rate limited: try again in 17s (request id reqid_123abc45def)`
	if err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestMalformedAuthentication(t *testing.T) {
	for name, c := range map[string]struct{ body, reason string }{
		"exp in seconds":  {`{"statusCode": 200, "data": {"token": "t", "type": "ACCESS_TOKEN", "exp": 1731674132}}`, "exp 1731674132 is not in the future (epoch milliseconds expected)"},
		"no token":        {`{"statusCode": 200, "data": {"type": "ACCESS_TOKEN", "exp": 1931674132795}}`, "token is missing"},
		"a web page":      {`<html>portal</html>`, "it is text/html, not JSON"},
		"error in a 200":  {`{"statusCode": 5000, "message": "API Key not found", "errors": []}`, `HTTP 200: "5000 API Key not found"`},
		"exp as a string": {`{"statusCode": 200, "data": {"token": "t", "exp": "soon"}}`, "exp is not a whole number of epoch milliseconds"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeLC(t)
			f.authAnswer = func(w http.ResponseWriter) bool {
				if strings.HasPrefix(c.body, "<") {
					w.Header().Set("Content-Type", "text/html")
				}
				io.WriteString(w, c.body)
				return true
			}
			_, err := f.client(t, testKey).Authenticate(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.reason) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestRefreshIsAskedWithinFiveMinutesOfExpiry(t *testing.T) {
	f := newFakeLC(t)
	f.lifetime = 10 * time.Minute
	c := f.client(t, testKey)
	ctx := context.Background()
	call := func(method, body string) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		if resp, err := c.Do(ctx, method, "/echo", b); err != nil || resp.Status != http.StatusOK {
			t.Fatalf("%s %s: %+v %v", method, body, resp, err)
		}
	}
	call("POST", `{"a": 1}`) // authenticates first: no token yet
	f.advance(4*time.Minute + 59*time.Second)
	call("POST", ` {"a": 1}`) // 5m01s left
	first := c.Token()
	f.advance(2 * time.Second) // 4m59s left
	call("GET", "")
	call("POST", `[1]`)
	call("POST", `{"refresh": false}`)
	if c.Token() != first {
		t.Fatal("the token changed without an auth object")
	}
	call("POST", ` {"a": 1}`)
	call("POST", `{}`)
	_, echoes := f.counts()
	want := []string{`{"a": 1}`, ` {"a": 1}`, "", `[1]`, `{"refresh": false}`, ` {"refresh":true,"a": 1}`, `{}`}
	if strings.Join(echoes, "|") != strings.Join(want, "|") {
		t.Errorf("bodies sent\n got %q\nwant %q", echoes, want)
	}
	// The auth object's token replaced the old one at once: the last call
	// went without a refresh, with the new token.
	if tok := c.Token(); tok.Value != "tok-2" || !tok.Expires.Equal(f.clock().Add(10*time.Minute)) {
		t.Errorf("token after the refresh %#v", tok)
	}
	if auths, _ := f.counts(); auths != 1 {
		t.Errorf("%d authentications, want 1: refreshes ride on calls", auths)
	}
}

// A token whose whole life is shorter than RefreshWindow is renewed in the
// second half of it: never on the calls right after it was received.
func TestShortTokensAreRenewedInTheSecondHalfOfTheirLife(t *testing.T) {
	f := newFakeLC(t)
	f.lifetime = 2 * time.Minute
	c := f.client(t, testKey)
	for _, wait := range []time.Duration{0, 59 * time.Second, 2 * time.Second} {
		f.advance(wait)
		if resp, err := c.Do(context.Background(), "POST", "/echo", []byte(`{}`)); err != nil || resp.Status != http.StatusOK {
			t.Fatalf("after %s: %+v %v", wait, resp, err)
		}
	}
	auths, echoes := f.counts()
	if want := []string{`{}`, `{}`, `{"refresh":true}`}; strings.Join(echoes, "|") != strings.Join(want, "|") || auths != 1 {
		t.Errorf("%d authentications, bodies sent %q; want 1 and %q", auths, echoes, want)
	}
}

func TestUnauthorizedReauthenticatesOnceAndRetries(t *testing.T) {
	f := newFakeLC(t)
	c := f.client(t, testKey)
	ctx := context.Background()
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()
	resp, err := c.Do(ctx, "POST", "/echo", []byte(`{"x": true}`))
	auths, echoes := f.counts()
	if err != nil || resp.Status != http.StatusOK || auths != 2 || len(echoes) != 2 || echoes[1] != `{"x": true}` || c.Token().Value != "tok-2" {
		t.Fatalf("after a 401: %+v %v; %d authentications, bodies %q", resp, err, auths, echoes)
	}

	// A server that refuses every token: one new token, one retry, and the
	// 401 is the answer: no loop.
	f.mu.Lock()
	f.refuseAll = true
	f.mu.Unlock()
	resp, err = c.Do(ctx, "GET", "/echo", nil)
	auths, echoes = f.counts()
	if err != nil || resp.Status != http.StatusUnauthorized || auths != 3 || len(echoes) != 4 {
		t.Errorf("always 401: %+v %v; %d authentications, %d calls", resp, err, auths, len(echoes))
	}

	// A key refused on re-authentication is the error.
	bad := f.client(t, "lc_revoked")
	if _, err := bad.Do(ctx, "GET", "/echo", nil); !liquidcommerce.IsUnauthorized(err) {
		t.Errorf("revoked key: %v", err)
	}
}

func TestExpiredTokenIsReplacedBeforeTheCall(t *testing.T) {
	f := newFakeLC(t)
	f.lifetime = time.Hour
	c := f.client(t, testKey)
	ctx := context.Background()
	c.Authenticate(ctx)
	f.advance(time.Hour)
	if resp, err := c.Do(ctx, "GET", "/echo", nil); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("%+v %v", resp, err)
	}
	if auths, echoes := f.counts(); auths != 2 || len(echoes) != 1 {
		t.Errorf("%d authentications, %d calls: the expired token was sent", auths, len(echoes))
	}
}
