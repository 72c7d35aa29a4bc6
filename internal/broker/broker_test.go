package broker_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
)

func TestBrokerOnMemoryStore(t *testing.T) {
	var (
		mu    sync.Mutex
		saved []broker.Grant
	)
	store := broker.NewMemoryStore(nil, func(all []broker.Grant) { mu.Lock(); saved = all; mu.Unlock() })
	h := brokertest.NewHarness(t, store, nil)
	brokertest.Suite(t, h)
	_, g := h.SignIn()
	mu.Lock()
	kept := saved
	mu.Unlock()
	if n, _ := store.Count(context.Background()); n == 0 || len(kept) != n {
		t.Errorf("the save hook holds %d grants, the store %d", len(kept), n)
	}
	// What the hook saved works in a new store: the sandbox's persistence.
	again := brokertest.NewHarness(t, broker.NewMemoryStore(kept, nil), func(c *broker.Config) { c.ExchangeBase = h.Fake.URL })
	brokertest.Refresh(t, again.URL, g)
	assertLogClean(t, h)
}

func assertLogClean(t *testing.T, h *brokertest.Harness) {
	t.Helper()
	brokertest.AssertNoSecretsIn(t, "the broker's log", []byte(h.Logs.String()), h.SecretsHandedOut())
	if !strings.Contains(h.Logs.String(), `"path":"/v1/refresh","status":200`) {
		t.Errorf("the access log does not show the refreshes:\n%s", h.Logs.String())
	}
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time               { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration)          { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock(t time.Time) *clock             { return &clock{now: t} }
func memory() broker.Store                    { return broker.NewMemoryStore(nil, nil) }
func withClock(c *clock) func(*broker.Config) { return func(cfg *broker.Config) { cfg.Now = c.Now } }

func TestRateLimitPerGrantIsSpentOnlyByItsOwner(t *testing.T) {
	c := newClock(time.Date(2026, 1, 2, 3, 4, 10, 0, time.UTC))
	h := brokertest.NewHarness(t, memory(), func(cfg *broker.Config) { cfg.Now = c.Now; cfg.RateLimit = 3; cfg.AddressLimit = 1000 })
	_, g := h.SignIn()
	_, other := h.SignIn()
	// Someone who saw the grant id in a log, without its secret, spends
	// nothing of its owner's limit.
	for range 10 {
		if status, _, _ := brokertest.Call(t, h.URL, "/v1/refresh", brokertest.GrantOf{ID: g.ID, Secret: strings.Repeat("x", 43)}.Body()); status != 401 {
			t.Fatalf("a refresh without the grant secret: %d", status)
		}
	}
	for range 3 {
		brokertest.Refresh(t, h.URL, g)
	}
	status, header, a := brokertest.Call(t, h.URL, "/v1/refresh", g.Body())
	if status != 429 || a["error"] != "rate_limited" || header.Get("Retry-After") != "50" {
		t.Errorf("the 4th refresh in a minute: %d Retry-After %q %v", status, header.Get("Retry-After"), a)
	}
	brokertest.Refresh(t, h.URL, other) // another grant is not limited
	c.Add(time.Minute)
	brokertest.Refresh(t, h.URL, g)
}

func TestRateLimitPerAddress(t *testing.T) {
	c := newClock(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	h := brokertest.NewHarness(t, memory(), func(cfg *broker.Config) {
		cfg.Now, cfg.AddressLimit, cfg.ClientIPHeader = c.Now, 4, "X-Forwarded-For"
	})
	post := func(path, from string) int {
		req, _ := http.NewRequest(http.MethodPost, h.URL+path, strings.NewReader(`{"code":"guess","redirect_uri":"http://127.0.0.1/cb"}`))
		req.Header.Set("X-Forwarded-For", "203.0.113.9, "+from)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Guessing codes: EXchange is asked 4 times, then the address is refused.
	for i := range 4 {
		if status := post("/v1/token", "198.51.100.7"); status != 502 {
			t.Fatalf("guess %d: %d, want EXchange's refusal (502)", i, status)
		}
	}
	if status := post("/v1/token", "198.51.100.7"); status != 429 {
		t.Errorf("the 5th guess from one address: %d, want 429", status)
	}
	if status := post("/v1/start", "198.51.100.7"); status != 429 {
		t.Errorf("/v1/start from the limited address: %d, want 429", status)
	}
	if status := post("/v1/token", "198.51.100.8"); status != 502 {
		t.Errorf("another address: %d, want 502", status)
	}
	// Failed grant proofs count against the address too.
	for range 4 {
		brokertest.Call(t, h.URL, "/v1/refresh", brokertest.GrantOf{ID: "nope", Secret: "nope"}.Body())
	}
	status, _, _ := brokertest.Call(t, h.URL, "/v1/refresh", brokertest.GrantOf{ID: "nope", Secret: "nope"}.Body())
	if status != 429 {
		t.Errorf("the 5th failed grant proof from one address: %d, want 429", status)
	}
	c.Add(time.Minute)
	if status := post("/v1/token", "198.51.100.7"); status != 502 {
		t.Errorf("the next minute: %d, want 502", status)
	}
}

func TestKeyRotation(t *testing.T) {
	store := memory()
	oldKey, newKey := brokertest.TestKey, bytes.Repeat([]byte{7}, broker.KeySize)
	first := brokertest.NewHarness(t, store, nil)
	_, g := first.SignIn()
	_, idle := first.SignIn()
	sealedBefore, _ := store.Get(context.Background(), idle.ID)

	// Without the old key the grants do not open.
	bare := brokertest.NewHarness(t, store, func(c *broker.Config) { c.Key = newKey; c.ExchangeBase = first.Fake.URL })
	if status, _, a := brokertest.Call(t, bare.URL, "/v1/refresh", g.Body()); status != 500 {
		t.Errorf("a refresh with only the new key: %d %v", status, a)
	}
	rotated := brokertest.NewHarness(t, store, func(c *broker.Config) {
		c.Key, c.OldKeys, c.ExchangeBase = newKey, [][]byte{oldKey}, first.Fake.URL
	})
	brokertest.Refresh(t, rotated.URL, g) // opens with the old key, seals with the new
	onlyNew := brokertest.NewHarness(t, store, func(c *broker.Config) { c.Key = newKey; c.ExchangeBase = first.Fake.URL })
	brokertest.Refresh(t, onlyNew.URL, g)

	// Rekey seals the idle grant again.
	n, err := broker.Rekey(context.Background(), store, newKey, [][]byte{oldKey})
	if err != nil || n != 1 {
		t.Fatalf("Rekey: %d resealed, %v; want 1", n, err)
	}
	sealedAfter, _ := store.Get(context.Background(), idle.ID)
	if bytes.Equal(sealedBefore.RefreshSealed, sealedAfter.RefreshSealed) {
		t.Error("Rekey left the idle grant as it was")
	}
	brokertest.Refresh(t, onlyNew.URL, idle)
	if n, err := broker.Rekey(context.Background(), store, newKey, nil); err != nil || n != 0 {
		t.Errorf("a second Rekey: %d, %v; want 0", n, err)
	}
}

// A broker that died after sending the refresh token, before storing
// EXchange's answer, leaves a lease that ends; the next refresh tries the
// stored token once. This fake rotates at once, so the grant is lost: the
// device is told to sign in again, and the token is not tried again.
func TestRefreshAfterAnInterruptedOne(t *testing.T) {
	c := newClock(time.Now())
	store := memory()
	h := brokertest.NewHarness(t, store, withClock(c))
	_, lost := h.SignIn()
	_, kept := h.SignIn()
	ctx := context.Background()
	for _, g := range []brokertest.GrantOf{lost, kept} {
		if _, held, err := store.Claim(ctx, g.ID, broker.Lease{Owner: "dead", Now: c.Now(), Until: c.Now().Add(time.Minute)}); !held || err != nil {
			t.Fatalf("claim: %v %v", held, err)
		}
	}
	// The dead broker's refresh reached EXchange for lost only.
	issued := h.Fake.Issued()
	if !h.Fake.Live(issued[1]) {
		t.Fatal("the first grant's refresh token is not its second issued token")
	}
	h.Fake.Forget(issued[1])
	c.Add(2 * time.Minute)
	status, _, a := brokertest.Call(t, h.URL, "/v1/refresh", lost.Body())
	if status != 401 || a["error"] != "invalid_grant" || !strings.Contains(a["message"].(string), "sign in again") {
		t.Errorf("a grant whose refresh token was rotated away: %d %v", status, a)
	}
	if status, _, _ := brokertest.Call(t, h.URL, "/v1/refresh", lost.Body()); status != 401 {
		t.Errorf("the lost grant again: %d", status)
	}
	if calls, _ := h.Fake.Counts(); calls != 1 {
		t.Errorf("EXchange saw %d refreshes; want the one try", calls)
	}
	// kept's token was never presented: the retry works.
	tok := brokertest.Refresh(t, h.URL, kept)
	if !slices.Contains(h.Fake.Issued(), tok) {
		t.Error("the retried refresh answered a token EXchange never issued")
	}
}

func TestRequestsTheContractRefuses(t *testing.T) {
	h := brokertest.NewHarness(t, memory(), nil)
	resp, err := http.Post(h.URL+"/v1/token", "application/json", strings.NewReader(`{"code":"`+strings.Repeat("x", broker.MaxBodyBytes)+`"}`))
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
		if status, _, a := brokertest.Call(t, h.URL, c.path, c.body); status != 400 || a["error"] != "invalid_request" || a["message"] == "" {
			t.Errorf("%s %v: %d %v", c.path, c.body, status, a)
		}
	}
	if calls, _ := h.Fake.Counts(); calls != 0 || len(h.Fake.Issued()) != 0 {
		t.Error("a refused request reached EXchange")
	}
	resp, err = http.Get(h.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
}

func TestExchangeRefusalAndTimeout(t *testing.T) {
	h := brokertest.NewHarness(t, memory(), func(c *broker.Config) { c.ExchangeTimeout = 300 * time.Millisecond })
	const redirect = "http://127.0.0.1:1/cb"
	status, _, a := brokertest.Call(t, h.URL, "/v1/token", map[string]string{"code": "never-issued-code", "redirect_uri": redirect})
	msg, _ := a["message"].(string)
	if status != 502 || a["error"] != "exchange_error" || !strings.Contains(msg, "invalid_grant") || strings.Contains(msg, "never-issued-code") {
		t.Errorf("a code EXchange refuses: %d %v", status, a)
	}
	h.Fake.Block(true)
	began := time.Now()
	status, _, a = brokertest.Call(t, h.URL, "/v1/token", map[string]string{"code": h.Fake.NewCode(redirect), "redirect_uri": redirect})
	if status != 504 || a["error"] != "exchange_timeout" || time.Since(began) > 5*time.Second {
		t.Errorf("EXchange not answering: %d %v after %s", status, a, time.Since(began))
	}
}

// An EXchange that keeps redirecting the broker is named as the broker's
// own setting, --exchange-base, in what the app is told: no API base URL
// of the app's can fix it.
func TestExchangeRedirectLoopNamesTheExchangeBase(t *testing.T) {
	loop := httptest.NewServer(nil)
	loop.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	t.Cleanup(loop.Close)
	h := brokertest.NewHarness(t, memory(), func(c *broker.Config) { c.ExchangeBase = loop.URL })
	status, _, a := brokertest.Call(t, h.URL, "/v1/token", map[string]string{"code": "a-code", "redirect_uri": "http://127.0.0.1:1/cb"})
	msg, _ := a["message"].(string)
	if status != 502 || a["error"] != "exchange_error" || !strings.HasSuffix(msg, "kept redirecting (more than 5 times); check the broker's --exchange-base: it must be the server's own address, not one that redirects") {
		t.Errorf("EXchange redirecting in a loop: %d %v", status, a)
	}
}

// EXchange refusing a grant's refresh token (it was revoked) ends the
// grant: the app must sign in again, which invalid_grant says, as for a
// grant the broker does not know.
func TestRefusedRefreshTokenEndsTheGrant(t *testing.T) {
	h := brokertest.NewHarness(t, memory(), nil)
	_, g := brokertest.SignIn(t, h.Fake.Fake, h.URL)
	for _, token := range h.Fake.Issued() { // EXchange revoked them
		h.Fake.Forget(token)
	}
	if status, _, a := brokertest.Call(t, h.URL, "/v1/refresh", g.Body()); status != 401 || a["error"] != "invalid_grant" {
		t.Errorf("refresh refused by EXchange: %d %v", status, a)
	}
}

func TestNewRefusesWithoutAKey(t *testing.T) {
	for _, key := range [][]byte{nil, make([]byte, 16)} {
		if _, err := broker.New(broker.Config{ExchangeBase: "https://exchange.example", ClientID: "id", ClientSecret: "s", Key: key, Store: memory()}); err == nil {
			t.Errorf("a %d-byte key was accepted", len(key))
		}
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{strings.Repeat("42", 32), "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=", "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"} {
		if key, err := broker.ParseKey(s); err != nil || !bytes.Equal(key, brokertest.TestKey) {
			t.Errorf("ParseKey(%q) = %x, %v", s, key, err)
		}
	}
	for _, s := range []string{"", "short", strings.Repeat("42", 16), strings.Repeat("zz", 32)} {
		if _, err := broker.ParseKey(s); err == nil || !strings.Contains(err.Error(), "BROKER_KEY") {
			t.Errorf("ParseKey(%q): %v", s, err)
		}
	}
	if keys, err := broker.ParseOldKeys(strings.Repeat("42", 32) + ", " + strings.Repeat("07", 32)); err != nil || len(keys) != 2 {
		t.Errorf("ParseOldKeys: %d keys, %v", len(keys), err)
	}
	if _, err := broker.ParseOldKeys("short"); err == nil || !strings.Contains(err.Error(), "BROKER_OLD_KEYS") {
		t.Errorf("ParseOldKeys(short): %v", err)
	}
}
