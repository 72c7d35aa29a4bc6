package liquidcommerce_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/liquidcommerce"
	lcsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/liquidcommerce"
)

const emulatorKey = "lc_sandbox_key_for_provider_tests"

// emulator is the LiquidCommerce emulator mounted at /liquidcommerce,
// counting the calls it gets. Its clock runs with real time plus what the
// test adds, since the app judges expiry by its own clock.
type emulator struct {
	base string

	mu     sync.Mutex
	offset time.Duration
	calls  map[string]int // by "METHOD /path"
}

func startEmulator(t *testing.T, opts ...lcsandbox.Option) *emulator {
	t.Helper()
	e := &emulator{calls: map[string]int{}}
	srv := lcsandbox.New(append([]lcsandbox.Option{lcsandbox.WithAPIKey(emulatorKey), lcsandbox.WithClock(e.now)}, opts...)...)
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method+" "+r.URL.Path]++
		e.mu.Unlock()
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(http.StripPrefix("/liquidcommerce", counted))
	t.Cleanup(ts.Close)
	e.base = ts.URL + "/liquidcommerce"
	return e
}

func (e *emulator) now() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return time.Now().Add(e.offset) }

// advance moves the emulator's clock; the engine's runtime reads the real
// one, so tests that pass time use tokens that expire in the past
// instead (see expireSaved).
func (e *emulator) advance(d time.Duration) { e.mu.Lock(); e.offset += d; e.mu.Unlock() }

func (e *emulator) count(call string) int { e.mu.Lock(); defer e.mu.Unlock(); return e.calls[call] }

func (e *emulator) engine(store flows.SessionStore) *flows.Engine {
	return flows.NewEngine(flows.EngineConfig{Providers: []flows.Provider{liquidcommerce.Provider{}}, Sessions: store, Timeout: 20 * time.Second})
}

func (e *emulator) target(key string) flows.Target {
	return flows.Target{Provider: "liquidcommerce", Env: flows.EnvCustom, APIBase: e.base, Inputs: flows.Inputs{liquidcommerce.FieldAPIKey: key}}
}

type savedToken struct {
	V      int    `json:"v"`
	APIKey string `json:"api_key"`
	Token  string `json:"token"`
	Type   string `json:"type"`
	Exp    int64  `json:"exp"`
}

func saved(t *testing.T, store *flowtest.MemoryStore, key flows.SessionKey) savedToken {
	t.Helper()
	blob, ok := store.Saved(key)
	var s savedToken
	if !ok || json.Unmarshal(blob, &s) != nil {
		t.Fatalf("nothing readable saved under %+v: %s", key, blob)
	}
	return s
}

// checkNoSecrets fails when the key (or, outside stdout, a token) shows
// in an event's text or in the inspector.
func checkNoSecrets(t *testing.T, rec *flowtest.Recorder, secrets ...string) {
	t.Helper()
	for _, e := range rec.Events() {
		for _, secret := range secrets {
			if strings.Contains(e.String(), secret) {
				t.Errorf("event %T's text holds a secret: %s", e, e)
			}
			if ex, ok := e.(flows.HTTPExchange); ok && strings.Contains(ex.URL+ex.RequestHeaders+ex.RequestBody+ex.ResponseHeaders+ex.ResponseBody, secret) {
				t.Errorf("the inspector shows a secret in %s:\n%s\n%s", ex, ex.RequestHeaders, ex.ResponseBody)
			}
		}
	}
}

func TestConnectBuysATokenAndShowsIt(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	engine := emu.engine(store)
	rec := flowtest.NewRecorder()
	res, err := engine.Run(context.Background(), emu.target(emulatorKey), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	if kinds := rec.Kinds(); !slices.Equal(kinds, []string{"flows.Started", "flows.ResultReady", "flows.SessionSaved"}) {
		t.Errorf("events %v", kinds)
	}
	key := engine.SessionKey(emu.target(emulatorKey))
	if key != (flows.SessionKey{Provider: "liquidcommerce", Env: flows.EnvCustom, APIBase: emu.base}) {
		t.Errorf("saved under %+v: no secret may name a session", key)
	}
	s := saved(t, store, key)
	if s.V != 1 || s.APIKey != emulatorKey || s.Token == "" || s.Type != "ACCESS_TOKEN" {
		t.Errorf("saved %+v", s)
	}
	expires := time.UnixMilli(s.Exp)
	if d := time.Until(expires); d < 23*time.Hour || d > 24*time.Hour || !res.Expires.Equal(expires) {
		t.Errorf("expires %s, result %s", expires, res.Expires)
	}

	facts := map[string]flows.Fact{}
	for _, f := range res.Profile {
		facts[f.Label] = f
	}
	if facts["Token type"] != (flows.Fact{Label: "Token type", Value: "access token", Word: true}) || facts["Access token"] != (flows.Fact{Label: "Access token", Value: s.Token, Secret: true}) ||
		!strings.HasPrefix(facts["Request id"].Value, "reqid_") || facts["API version"].Value != "1.7.0" || res.Balances != nil || res.Widget != nil {
		t.Errorf("profile %+v", res.Profile)
	}
	for _, f := range res.Profile {
		if f.Secret != (f.Label == "Access token") {
			t.Errorf("fact %q secret=%v", f.Label, f.Secret)
		}
	}

	// stdout's shape: the token, by design; never the key.
	var top map[string]json.RawMessage
	var out struct {
		Provider string
		Token    map[string]string
	}
	if json.Unmarshal(res.Output, &top) != nil || json.Unmarshal(res.Output, &out) != nil || !slices.Equal(slices.Sorted(maps.Keys(top)), []string{"provider", "token"}) ||
		out.Provider != "liquidcommerce" || !slices.Equal(slices.Sorted(maps.Keys(out.Token)), []string{"access_token", "expiry", "type"}) ||
		out.Token["access_token"] != s.Token || out.Token["type"] != "ACCESS_TOKEN" || out.Token["expiry"] != expires.UTC().Format(time.RFC3339Nano) {
		t.Errorf("output %s", res.Output)
	}
	if strings.Contains(string(res.Output), emulatorKey) {
		t.Errorf("the output holds the API key: %s", res.Output)
	}
	checkNoSecrets(t, rec, emulatorKey, s.Token)
	var sawKeyHeader bool
	for _, ex := range flowtest.Find[flows.HTTPExchange](rec) {
		sawKeyHeader = sawKeyHeader || strings.Contains(ex.RequestHeaders, "X-Liquid-Api-Key: [redacted]")
	}
	if !sawKeyHeader {
		t.Error("the inspector does not show the key header, redacted")
	}
}

func TestBadKeyFailsInOneLine(t *testing.T) {
	emu := startEmulator(t)
	rec := flowtest.NewRecorder()
	_, err := emu.engine(nil).Run(context.Background(), emu.target("lc_not_the_key"), rec.Emit)
	if err == nil || !strings.HasPrefix(err.Error(), `authenticate with the API key failed: the server answered HTTP 401: "5000 API Key not found"; check the API key ($LIQUIDCOMMERCE_API_KEY) (request id reqid_`) ||
		strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "lc_not_the_key") {
		t.Errorf("err = %v", err)
	}
	checkNoSecrets(t, rec, "lc_not_the_key")
	if _, err := emu.engine(nil).Run(context.Background(), emu.target(""), func(flows.Event) {}); err == nil || err.Error() != "enter the LiquidCommerce API key, or set $LIQUIDCOMMERCE_API_KEY" {
		t.Errorf("no key: %v", err)
	}
}

func TestRateLimitedConnectSaysWhenToRetry(t *testing.T) {
	emu := startEmulator(t, lcsandbox.WithRateLimit(1, time.Minute))
	engine := emu.engine(nil)
	if _, err := engine.Run(context.Background(), emu.target(emulatorKey), func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	_, err := engine.Run(context.Background(), emu.target(emulatorKey), func(flows.Event) {})
	if err == nil || !strings.Contains(err.Error(), `HTTP 429: "Too Many Requests"; rate limited: try again in 1m0s (request id reqid_`) {
		t.Errorf("err = %v", err)
	}
}

func TestResume(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	first, err := emu.engine(store).Run(context.Background(), emu.target(emulatorKey), func(flows.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	key := emu.engine(store).SessionKey(emu.target(emulatorKey))

	t.Run("a valid token, with no call and no key given", func(t *testing.T) {
		rec := flowtest.NewRecorder()
		before := emu.count("GET /authentication")
		res, err := emu.engine(store).Run(context.Background(), emu.target(""), rec.Emit)
		if err != nil || len(flowtest.Find[flows.Resumed](rec)) != 1 || len(flowtest.Find[flows.HTTPExchange](rec)) != 0 ||
			emu.count("GET /authentication") != before || string(res.Output) != string(first.Output) {
			t.Errorf("not resumed without a call: %v %v", err, rec.Kinds())
		}
	})

	t.Run("a token about to expire resumes with no call; the next business call renews it", func(t *testing.T) {
		s := saved(t, store, key)
		s.Exp = time.Now().Add(4 * time.Minute).UnixMilli()
		blob, _ := json.Marshal(s)
		store.Save(key, blob, time.Now())
		before := emu.count("GET /authentication")
		rec := flowtest.NewRecorder()
		engine := emu.engine(store)
		_, err := engine.Run(context.Background(), emu.target(""), rec.Emit)
		if err != nil || len(flowtest.Find[flows.Resumed](rec)) != 1 || emu.count("GET /authentication") != before {
			t.Errorf("not resumed as it was: %v %v, %d authentications", err, rec.Kinds(), emu.count("GET /authentication")-before)
		}
		resp, err := engine.Call(context.Background(), "POST", "/cart/update", []byte(`{"items": [{"partNumber": "SBX-WIN-750", "quantity": 1}]}`))
		if err != nil || resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"auth":`) || emu.count("GET /authentication") != before {
			t.Errorf("the call did not renew the token through its body: %+v %v", resp, err)
		}
		checkNoSecrets(t, rec, emulatorKey)
	})

	t.Run("another key replaces the saved session", func(t *testing.T) {
		rec := flowtest.NewRecorder()
		_, err := emu.engine(store).Run(context.Background(), emu.target("lc_another_key"), rec.Emit)
		declined := flowtest.Find[flows.ResumeDeclined](rec)
		if len(declined) != 1 || declined[0].Reason.String() != "the saved token was bought with another API key" || err == nil {
			t.Errorf("events %v, err %v", rec.Kinds(), err)
		}
		if _, ok := store.Saved(key); ok {
			t.Error("the other key's session is still saved")
		}
	})

	t.Run("an expired token whose key is refused is forgotten", func(t *testing.T) {
		store := flowtest.NewMemoryStore()
		blob, _ := json.Marshal(savedToken{V: 1, APIKey: "lc_revoked_key", Token: "lcat_old.sig", Type: "ACCESS_TOKEN", Exp: time.Now().Add(-time.Minute).UnixMilli()})
		store.Save(key, blob, time.Now())
		rec := flowtest.NewRecorder()
		_, err := emu.engine(store).Run(context.Background(), emu.target(""), rec.Emit)
		declined := flowtest.Find[flows.ResumeDeclined](rec)
		if len(declined) != 1 || !strings.HasPrefix(declined[0].Reason.String(), "the token expired and the API key was refused (") || !strings.HasSuffix(declined[0].Reason.String(), "; check $LIQUIDCOMMERCE_API_KEY") ||
			err == nil || err.Error() != "enter the LiquidCommerce API key, or set $LIQUIDCOMMERCE_API_KEY" {
			t.Errorf("declined %v, err %v", declined, err)
		}
		checkNoSecrets(t, rec, "lc_revoked_key")
	})
}

// A server issuing tokens shorter than the refresh window: one run buys one
// token, and the next run, resuming it, buys none.
func TestShortTokensAreBoughtOnce(t *testing.T) {
	emu := startEmulator(t, lcsandbox.WithTokenLifetime(2*time.Minute))
	store := flowtest.NewMemoryStore()
	for run, want := range []int{1, 1} {
		if _, err := emu.engine(store).Run(context.Background(), emu.target(emulatorKey), func(flows.Event) {}); err != nil {
			t.Fatal(err)
		}
		if n := emu.count("GET /authentication"); n != want {
			t.Errorf("after run %d: %d calls to /authentication, want %d", run+1, n, want)
		}
	}
}

func TestCallAndRefreshToken(t *testing.T) {
	emu := startEmulator(t, lcsandbox.WithTokenLifetime(10*time.Minute))
	store := flowtest.NewMemoryStore()
	engine := emu.engine(store)
	emit, events := flowtest.Collect()
	if _, err := engine.Run(context.Background(), emu.target(emulatorKey), emit); err != nil {
		t.Fatal(err)
	}
	resp, err := engine.Call(context.Background(), "get", "/catalog/search?search=gin", nil)
	var env struct {
		StatusCode int
		Data       struct {
			Products []struct{ Name, Price string }
		}
	}
	if err != nil || resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &env) != nil || len(env.Data.Products) != 1 || env.Data.Products[0].Price != "29.99" {
		t.Fatalf("GET search: %+v %v", resp, err)
	}

	// RefreshToken buys a new token and saves it at once.
	key := engine.SessionKey(emu.target(emulatorKey))
	old := saved(t, store, key).Token
	engine.RefreshToken(emit)
	updated := flowtest.Until[flows.ResultUpdated](t, events)
	now := saved(t, store, key).Token
	if now == old || updated.Result.Profile[1].Value != now || !strings.Contains(string(updated.Result.Output), now) {
		t.Errorf("refresh: saved %q (was %q), shown %q", now, old, updated.Result.Profile[1].Value)
	}

	// The token expires on the server (its clock ran ahead): a call gets a
	// 401, buys a new token with the key and succeeds.
	before := emu.count("GET /authentication")
	emu.advance(11 * time.Minute)
	resp, err = engine.Call(context.Background(), "POST", "/cart/update", []byte(`{"items": [{"partNumber": "SBX-WIN-750", "quantity": 2}]}`))
	if err != nil || resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"subtotal":"37.50"`) || emu.count("GET /authentication") != before+1 {
		t.Errorf("after expiry: %+v %v", resp, err)
	}

	if _, err := engine.Call(context.Background(), "POST", "/users/session", []byte(`{}`)); err != nil {
		t.Errorf("a refused call is an answer, not an error: %v", err)
	}
	emit2, events2 := flowtest.Collect()
	engine.SignOut(emit2)
	if out := flowtest.Until[flows.SignedOut](t, events2); out.RemoteErr != flows.ErrCannotEnd {
		t.Errorf("sign out: %v", out)
	}
}
