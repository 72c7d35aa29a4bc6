package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var testKey = bytes.Repeat([]byte{0x42}, KeySize)

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a broker on a loopback port in front of a fake EXchange.
type harness struct {
	t       *testing.T
	fx      *fakeExchange
	srv     *Server
	url     string
	logs    *syncBuffer
	secrets []string // grant secrets handed out
	line    lineUp
}

// lineUp tells when a number of refreshes have reached the broker.
type lineUp struct {
	mu         sync.Mutex
	want, seen int
	allIn      chan struct{}
}

// expect returns a channel closed once n more refreshes have arrived.
func (l *lineUp) expect(n int) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.want, l.seen, l.allIn = n, 0, make(chan struct{})
	return l.allIn
}

func (l *lineUp) arrived() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.allIn == nil {
		return
	}
	if l.seen++; l.seen == l.want {
		close(l.allIn)
		l.allIn = nil
	}
}

// newHarness starts a broker on store; tweak changes its Config, prepare
// the Server before it answers.
func newHarness(t *testing.T, store Store, tweak func(*Config), prepare func(*Server)) *harness {
	t.Helper()
	h := &harness{t: t, fx: newFakeExchange(t), logs: &syncBuffer{}}
	cfg := Config{ExchangeBase: h.fx.URL, ClientID: fakeClientID, ClientSecret: fakeClientSecret, Key: testKey,
		Store: store, Logger: newJSONLogger(h.logs)}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	srv.arrived = h.line.arrived
	if prepare != nil {
		prepare(srv)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h.url = ts.URL
	return h
}

func memoryStore(t *testing.T) Store {
	t.Helper()
	store, err := OpenStore(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// call posts body as JSON to base+path and decodes the JSON answer.
func call(t *testing.T, base, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var answer map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s answered %d with Content-Type %q: %s", path, resp.StatusCode, ct, data)
		}
		if err := json.Unmarshal(data, &answer); err != nil {
			t.Fatalf("%s answered %d, not JSON: %s", path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, resp.Header, answer
}

type grantOf struct{ id, secret string }

// signIn is a device's first sign-in: the code EXchange sent back,
// exchanged through the broker at base.
func signIn(t *testing.T, fx *fakeExchange, base string) (string, grantOf) {
	t.Helper()
	const redirect = "http://127.0.0.1:53682/callback"
	status, _, a := call(t, base, "/v1/token", map[string]string{"code": fx.newCode(redirect), "redirect_uri": redirect})
	if status != 200 {
		t.Fatalf("/v1/token: %d %v", status, a)
	}
	g, _ := a["grant"].(map[string]any)
	id, _ := g["id"].(string)
	secret, _ := g["secret"].(string)
	if id == "" || len(secret) < 43 {
		t.Fatalf("/v1/token answered no usable grant: %v", g)
	}
	return userToken(t, a), grantOf{id, secret}
}

// userToken checks the shape of an answer with a user token: access and
// secret key, expiry four hours ahead.
func userToken(t *testing.T, a map[string]any) string {
	t.Helper()
	token, _ := a["user_token"].(string)
	if ak, sk, ok := strings.Cut(token, ":"); !ok || ak == "" || sk == "" {
		t.Fatalf("user_token %q is not access_key:secret_key", token)
	}
	expires, err := time.Parse(time.RFC3339, fmt.Sprint(a["expires_at"]))
	if err != nil {
		t.Fatalf("expires_at %v: %v", a["expires_at"], err)
	}
	if left := time.Until(expires); left < 4*time.Hour-time.Minute || left > 4*time.Hour+time.Second {
		t.Errorf("the user token expires in %s, not 4 h", left)
	}
	return token
}

func (h *harness) signIn() (string, grantOf) {
	token, g := signIn(h.t, h.fx, h.url)
	h.secrets = append(h.secrets, g.secret)
	return token, g
}

func refreshBody(g grantOf) map[string]string {
	return map[string]string{"grant_id": g.id, "grant_secret": g.secret}
}

// brokerSuite is what every store must pass.
func brokerSuite(t *testing.T, h *harness) {
	t.Run("start", func(t *testing.T) {
		status, _, a := call(t, h.url, "/v1/start", map[string]string{"redirect_uri": "http://127.0.0.1:53682/callback", "scope": "", "state": "st8"})
		want := h.fx.URL + "/oauth/authorize?client_id=" + fakeClientID + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&response_type=code&scope=profile+history+trade&state=st8"
		if status != 200 || a["authorize_url"] != want {
			t.Errorf("/v1/start: %d %v\nwant %s", status, a, want)
		}
	})
	t.Run("code exchange and refresh rotation", func(t *testing.T) {
		first, g := h.signIn()
		callsBefore, _ := h.fx.counts()
		tokens := []string{first}
		for range 3 {
			status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g))
			if status != 200 {
				t.Fatalf("/v1/refresh: %d %v", status, a)
			}
			if a["grant"] != nil {
				t.Errorf("/v1/refresh handed out a grant again: %v", a)
			}
			tokens = append(tokens, userToken(t, a))
		}
		calls, reused := h.fx.counts()
		if calls-callsBefore != 3 || reused != 0 {
			t.Errorf("EXchange saw %d refreshes, %d with a rotated-away refresh token; want 3 and 0", calls-callsBefore, reused)
		}
		issued := h.fx.allIssued()
		for i, tok := range tokens {
			if !slices.Contains(issued, tok) || slices.Index(tokens, tok) != i {
				t.Errorf("user token %d is not a fresh one EXchange issued", i)
			}
		}
	})
	t.Run("wrong grant secret refused, revoke forgets", func(t *testing.T) {
		_, g := h.signIn()
		callsBefore, _ := h.fx.counts()
		last := "A" // a secret differing in its last character only
		if strings.HasSuffix(g.secret, last) {
			last = "B"
		}
		for _, bad := range []grantOf{{g.id, g.secret[:len(g.secret)-1] + last}, {g.id, "short"}, {"unknown-" + g.id, g.secret}} {
			status, _, a := call(t, h.url, "/v1/refresh", refreshBody(bad))
			if status != 401 || a["error"] != "invalid_grant" {
				t.Errorf("refresh with a wrong grant: %d %v", status, a)
			}
			if status, _, _ := call(t, h.url, "/v1/revoke", refreshBody(bad)); status != 401 {
				t.Errorf("revoke with a wrong grant: %d", status)
			}
		}
		if calls, _ := h.fx.counts(); calls != callsBefore {
			t.Error("a wrong grant secret reached EXchange")
		}
		if status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g)); status != 200 {
			t.Fatalf("the right secret after wrong ones: %d %v", status, a)
		}
		if status, _, _ := call(t, h.url, "/v1/revoke", refreshBody(g)); status != 204 {
			t.Fatalf("revoke: %d", status)
		}
		if status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g)); status != 401 || a["error"] != "invalid_grant" {
			t.Errorf("refresh after revoke: %d %v", status, a)
		}
	})
	t.Run("concurrent refreshes", func(t *testing.T) {
		_, g := h.signIn()
		const n = 5
		// EXchange answers the first refresh only once all n have reached
		// the broker: the others then wait for the grant's lock.
		allIn := h.line.expect(n)
		h.fx.set(func(fx *fakeExchange) { fx.hold = allIn })
		defer h.fx.set(func(fx *fakeExchange) { fx.hold = nil })
		callsBefore, _ := h.fx.counts()
		answers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g))
				if status != 200 {
					t.Errorf("concurrent refresh %d: %d %v", i, status, a)
					return
				}
				answers[i] = userToken(t, a)
			})
		}
		wg.Wait()
		calls, reused := h.fx.counts()
		if calls-callsBefore != 1 || reused != 0 {
			t.Errorf("%d concurrent refreshes made %d EXchange calls (%d with a stale refresh token); want 1 and 0", n, calls-callsBefore, reused)
		}
		for i := range answers {
			if answers[i] != answers[0] {
				t.Errorf("refresh %d answered another user token than refresh 0", i)
			}
		}
		select {
		case <-allIn:
		default:
			t.Error("the concurrent refreshes never all reached the broker")
		}
		// The refresh token the winner stored still works.
		if status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g)); status != 200 || userToken(t, a) == answers[0] {
			t.Errorf("the refresh after the concurrent ones: %d %v", status, a)
		}
	})
}

// assertNoSecretsIn fails when a secret shows in clear in what, named.
func assertNoSecretsIn(t *testing.T, name string, what []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && bytes.Contains(what, []byte(s)) {
			t.Errorf("%s holds a secret in clear (%.6s…)", name, s)
		}
	}
}

// assertNoSecretsInDir reads every file under dir.
func assertNoSecretsInDir(t *testing.T, dir string, secrets []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		assertNoSecretsIn(t, path, data, secrets)
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("reading the database files in %s: %d files, %v", dir, files, err)
	}
}

func (h *harness) secretsHandedOut() []string {
	return append(append(h.fx.allIssued(), h.secrets...), fakeClientSecret)
}

func TestBrokerOnSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(context.Background(), "sqlite:"+filepath.Join(dir, "broker.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, store, nil, nil)
	brokerSuite(t, h)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "broker.db")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the database file: %v, %v; want mode 0600", info.Mode(), err)
	}
	assertNoSecretsInDir(t, dir, h.secretsHandedOut())
	assertNoSecretsIn(t, "the broker's log", []byte(h.logs.String()), h.secretsHandedOut())
	if !strings.Contains(h.logs.String(), `"path":"/v1/refresh","status":200`) {
		t.Errorf("the access log does not show the refreshes:\n%s", h.logs.String())
	}
}

func TestRateLimitPerGrant(t *testing.T) {
	var (
		mu  sync.Mutex
		now = time.Date(2026, 1, 2, 3, 4, 10, 0, time.UTC)
	)
	h := newHarness(t, memoryStore(t), func(c *Config) { c.RateLimit = 3 }, func(s *Server) {
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	_, g := h.signIn()
	_, other := h.signIn()
	for i := range 3 {
		if status, _, a := call(t, h.url, "/v1/refresh", refreshBody(g)); status != 200 {
			t.Fatalf("refresh %d within the limit: %d %v", i, status, a)
		}
	}
	status, header, a := call(t, h.url, "/v1/refresh", refreshBody(g))
	if status != 429 || a["error"] != "rate_limited" || header.Get("Retry-After") != "50" {
		t.Errorf("the 4th refresh in a minute: %d Retry-After %q %v", status, header.Get("Retry-After"), a)
	}
	if status, _, _ := call(t, h.url, "/v1/refresh", refreshBody(other)); status != 200 {
		t.Errorf("another grant was limited too: %d", status)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if status, _, _ := call(t, h.url, "/v1/refresh", refreshBody(g)); status != 200 {
		t.Errorf("a refresh in the next minute: %d", status)
	}
}

func TestRequestsTheContractRefuses(t *testing.T) {
	h := newHarness(t, memoryStore(t), nil, nil)
	resp, err := http.Post(h.url+"/v1/token", "application/json", strings.NewReader(`{"code":"`+strings.Repeat("x", MaxBodyBytes)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("a body over 16 KiB: %d, want 413", resp.StatusCode)
	}
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/token", map[string]string{"redirect_uri": "http://127.0.0.1/cb"}},
		{"/v1/token", []string{"not", "an", "object"}},
		{"/v1/start", map[string]string{"redirect_uri": "http://127.0.0.1/cb", "state": "s", "scope": "profile admin"}},
		{"/v1/start", map[string]string{"redirect_uri": "no-scheme", "state": "s"}},
		{"/v1/refresh", map[string]string{"grant_id": "g"}},
	} {
		if status, _, a := call(t, h.url, c.path, c.body); status != 400 || a["error"] != "invalid_request" || a["message"] == "" {
			t.Errorf("%s %v: %d %v", c.path, c.body, status, a)
		}
	}
	if calls, _ := h.fx.counts(); calls != 0 || len(h.fx.allIssued()) != 0 {
		t.Error("a refused request reached EXchange")
	}
	if status, _, a := call(t, h.url, "/healthz", nil); status != 405 && (status != 200 || a["status"] != "ok") {
		t.Errorf("healthz: %d %v", status, a)
	}
	resp, err = http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
}

func TestExchangeRefusalAndTimeout(t *testing.T) {
	h := newHarness(t, memoryStore(t), func(c *Config) { c.ExchangeTimeout = 300 * time.Millisecond }, nil)
	const redirect = "http://127.0.0.1:1/cb"
	status, _, a := call(t, h.url, "/v1/token", map[string]string{"code": "never-issued-code", "redirect_uri": redirect})
	msg, _ := a["message"].(string)
	if status != 502 || a["error"] != "exchange_error" || !strings.Contains(msg, "invalid_grant") || strings.Contains(msg, "never-issued-code") {
		t.Errorf("a code EXchange refuses: %d %v", status, a)
	}
	h.fx.set(func(fx *fakeExchange) { fx.block = true })
	began := time.Now()
	status, _, a = call(t, h.url, "/v1/token", map[string]string{"code": h.fx.newCode(redirect), "redirect_uri": redirect})
	if status != 504 || a["error"] != "exchange_timeout" || time.Since(began) > 5*time.Second {
		t.Errorf("EXchange not answering: %d %v after %s", status, a, time.Since(began))
	}
}

func TestNewRefusesWithoutAKey(t *testing.T) {
	for _, key := range [][]byte{nil, make([]byte, 16)} {
		if _, err := New(Config{ExchangeBase: "https://exchange.example", ClientID: "id", ClientSecret: "s", Key: key, Store: memoryStore(t)}); err == nil {
			t.Errorf("a %d-byte key was accepted", len(key))
		}
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{strings.Repeat("42", 32), "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=", "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"} {
		if key, err := ParseKey(s); err != nil || !bytes.Equal(key, testKey) {
			t.Errorf("ParseKey(%q) = %x, %v", s, key, err)
		}
	}
	for _, s := range []string{"", "short", strings.Repeat("42", 16), strings.Repeat("zz", 32)} {
		if _, err := ParseKey(s); err == nil || !strings.Contains(err.Error(), "BROKER_KEY") {
			t.Errorf("ParseKey(%q): %v", s, err)
		}
	}
}

func newJSONLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
