package liquid_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/msg"
	liquidsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
	"github.com/qexcompanion/qex-companion/internal/testdeadline"
)

// The app's API token on the emulator; the secret must never be shown.
const (
	tokenID     = "3141592"
	tokenSecret = "tok-secret-9f8e7d6c5b4a"
)

// emulator is the Liquid emulator mounted at /liquid, counting the calls
// it gets, with a clock the test moves.
type emulator struct {
	*liquidsandbox.Server
	base string // the API base the app is given

	mu    sync.Mutex
	now   time.Time
	calls map[string]int // by "METHOD /path"
}

func startEmulator(t *testing.T, opts ...liquidsandbox.Option) *emulator {
	t.Helper()
	e := &emulator{now: time.Now(), calls: map[string]int{}}
	e.Server = liquidsandbox.New(append([]liquidsandbox.Option{liquidsandbox.WithToken(tokenID, tokenSecret), liquidsandbox.WithClock(e.clock)}, opts...)...)
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method+" "+r.URL.Path]++
		e.mu.Unlock()
		e.Server.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(http.StripPrefix("/liquid", counted))
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/liquid"
	return e
}

func (e *emulator) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }

func (e *emulator) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

func (e *emulator) count(call string) int { e.mu.Lock(); defer e.mu.Unlock(); return e.calls[call] }

// approveAt is an OpenBrowser whose user approves the request on the
// emulator, as the consent page's Approve button does.
func (e *emulator) approveAt(u string) error {
	page, err := url.Parse(u)
	if err != nil {
		return err
	}
	return e.Approve(page.Query().Get("ref"))
}

// pressOnConsentPage is an OpenBrowser whose user loads the real consent
// page and presses decision (its form carries the CSRF token).
func pressOnConsentPage(decision string) func(string) error {
	return func(u string) error {
		go testbrowser.Submit(context.Background(), u, decision, testbrowser.Options{})
		return nil
	}
}

func (e *emulator) engine(change func(*flows.EngineConfig)) *flows.Engine {
	cfg := flows.EngineConfig{
		Providers: []flows.Provider{liquid.Provider{}},
		Timeout:   30 * time.Second,
		PollMin:   20 * time.Millisecond,
		PollMax:   100 * time.Millisecond,
	}
	if change != nil {
		change(&cfg)
	}
	return flows.NewEngine(cfg)
}

func (e *emulator) target() flows.Target {
	return flows.Target{Provider: "liquid", Env: flows.EnvCustom, APIBase: e.base,
		Inputs: flows.Inputs{liquid.FieldTokenID: tokenID, liquid.FieldTokenSecret: tokenSecret}}
}

// savedGrant is the saved blob of an approved request.
type savedGrant struct {
	V         int    `json:"v"`
	PublicID  string `json:"public_id"`
	PrivateID string `json:"private_id"`
}

func TestApproveOnTheConsentPage(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	engine := emu.engine(func(c *flows.EngineConfig) {
		c.OpenBrowser = pressOnConsentPage("approve")
		c.Sessions = store
	})
	rec := flowtest.NewRecorder()
	res, err := engine.Run(context.Background(), emu.target(), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	kinds := slices.DeleteFunc(rec.Kinds(), func(k string) bool { return k == "flows.Waiting" })
	want := []string{"flows.Started", "flows.ApprovalURLReady", "flows.Approved", "flows.BalancesFetched", "flows.ResultReady", "flows.SessionSaved"}
	if !slices.Equal(kinds, want) {
		t.Errorf("events\n got %v\nwant %v", kinds, want)
	}
	started := flowtest.Find[flows.Started](rec)[0]
	ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
	if started.What != msg.ThingOAuth || started.ID == "" || started.Expires.IsZero() ||
		ready.URL != emu.base+"/oauth?ref="+started.ID.(string) || ready.ReturnURL != "" || !ready.Opened {
		t.Errorf("started %+v, approval page %+v", started, ready)
	}
	if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaPolling {
		t.Errorf("approved via %q", via)
	}
	// One check per wait, and the one that found the approval: its profile
	// is the result's, not asked for again.
	if n, waits := emu.count("GET /user/context"), len(flowtest.Find[flows.Waiting](rec)); n != waits+1 {
		t.Errorf("GET /user/context %d times for %d waits; want %d", n, waits, waits+1)
	}

	facts := map[string]string{}
	for _, f := range res.Profile {
		facts[f.Label] = f.Value
	}
	if res.Provider != "liquid" || res.Widget != nil || facts["Name"] != "花子 山田" || facts["Email"] != "hanako.yamada@sandbox.liquid.test" ||
		facts["Country"] != "JP" || facts["Fully verified"] != "yes" || facts["User id"] != "1111" {
		t.Errorf("result %+v", res)
	}
	usd := res.Balances.Accounts[slices.IndexFunc(res.Balances.Accounts, func(a flows.Account) bool { return a.Currency == "USD" })]
	if usd != (flows.Account{Currency: "USD", Symbol: "$", Balance: "0.00726", Reserved: "0.0", Type: "fiat"}) || len(res.Balances.Accounts) != 7 {
		t.Errorf("USD account %+v of %d", usd, len(res.Balances.Accounts))
	}

	var out struct {
		Provider     string
		OAuthRequest map[string]any `json:"oauth_request"`
		User         struct {
			FirstName string `json:"first_name"`
			Email     string
		}
		Accounts struct {
			Crypto []json.RawMessage `json:"crypto_accounts"`
			Fiat   []json.RawMessage `json:"fiat_accounts"`
		}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(res.Output, &top); err != nil || !slices.Equal(slices.Sorted(maps.Keys(top)), []string{"accounts", "oauth_request", "provider", "user"}) {
		t.Fatalf("output %s: %v", res.Output, err)
	}
	if err := json.Unmarshal(res.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out.Provider != "liquid" || !slices.Equal(slices.Sorted(maps.Keys(out.OAuthRequest)), []string{"expires", "public_id"}) ||
		out.OAuthRequest["public_id"] != started.ID || out.User.FirstName != "花子" || out.User.Email != facts["Email"] ||
		len(out.Accounts.Crypto) != 4 || len(out.Accounts.Fiat) != 3 || !strings.Contains(string(res.Output), `"balance": "0.00726"`) {
		t.Errorf("output %s", res.Output)
	}

	// The private id is a credential, like the token secret: saved in the
	// keychain, shown nowhere.
	blob, _ := store.Saved(engine.SessionKey(emu.target()))
	var saved savedGrant
	if err := json.Unmarshal(blob, &saved); err != nil || saved.V != 1 || saved.PublicID != started.ID || saved.PrivateID == "" || strings.Contains(string(blob), tokenSecret) {
		t.Fatalf("saved %s: %v", blob, err)
	}
	for _, secret := range []string{saved.PrivateID, tokenSecret} {
		if strings.Contains(string(res.Output), secret) {
			t.Errorf("the output holds a secret: %s", res.Output)
		}
		for _, e := range rec.Events() {
			if strings.Contains(e.String(), secret) {
				t.Errorf("event %T's text holds a secret: %s", e, e)
			}
			if ex, ok := e.(flows.HTTPExchange); ok && strings.Contains(ex.URL+ex.RequestHeaders+ex.RequestBody+ex.ResponseHeaders+ex.ResponseBody, secret) {
				t.Errorf("the inspector shows a secret in %s", ex)
			}
		}
	}
}

func TestDenyEndsTheFlowAtOnce(t *testing.T) {
	emu := startEmulator(t)
	engine := emu.engine(func(c *flows.EngineConfig) { c.OpenBrowser = pressOnConsentPage("deny") })
	rec := flowtest.NewRecorder()
	start := time.Now()
	_, err := engine.Run(context.Background(), emu.target(), rec.Emit)
	if err == nil || !strings.HasPrefix(err.Error(), "the OAuth request was denied on Liquid") || errors.Is(err, flows.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("a denial took %s to end the flow", elapsed)
	}
	if failed := flowtest.Find[flows.Failed](rec); len(failed) != 1 || failed[0].Err != err {
		t.Errorf("Failed events %v", failed)
	}
	if strings.Contains(err.Error(), tokenSecret) {
		t.Errorf("the error holds the token secret: %v", err)
	}
}

func TestExpiredRequestEndsTheFlow(t *testing.T) {
	t.Run("the server says it expired, and there is no browser: start again", func(t *testing.T) {
		emu := startEmulator(t, liquidsandbox.WithRequestLifetime(time.Minute))
		engine := emu.engine(nil)
		rec := flowtest.NewRecorder()
		done := make(chan error, 1)
		go func() { _, err := engine.Run(context.Background(), emu.target(), rec.Emit); done <- err }()
		<-rec.Ready
		emu.advance(2 * time.Minute) // the user dawdles
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), "the OAuth request expired (") || !strings.HasSuffix(err.Error(), ": the access must be approved again; start again to approve it") {
				t.Errorf("err = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the flow kept waiting on an expired request")
		}
	})
	t.Run("the server says it expired: a new approval starts in the browser", func(t *testing.T) {
		emu := startEmulator(t, liquidsandbox.WithRequestLifetime(time.Minute))
		engine := emu.engine(func(c *flows.EngineConfig) { c.OpenBrowser = func(string) error { return nil } })
		rec := flowtest.NewRecorder()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := engine.Run(ctx, emu.target(), rec.Emit); done <- err }()
		first := <-rec.Ready
		emu.advance(2 * time.Minute) // the user dawdles
		select {
		case again := <-rec.Ready:
			if again.URL == first.URL {
				t.Errorf("the new approval reuses the expired request: %s", again.URL)
			}
			gone := flowtest.Find[flows.AccessGone](rec)
			if len(gone) != 1 || !strings.HasPrefix(gone[0].Reason.String(), "the OAuth request expired (") {
				t.Errorf("AccessGone events %v", gone)
			}
		case err := <-done:
			t.Fatalf("the flow ended instead of starting a new approval: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the flow kept waiting on an expired request")
		}
		cancel()
		<-done
	})
	t.Run("its expiry passes between checks", func(t *testing.T) {
		emu := startEmulator(t, liquidsandbox.WithRequestLifetime(time.Minute))
		// Only the request's own deadline can end this wait (the first
		// check is an hour away, the flow's timeout 30 s): it passes once
		// the user is sent to approve.
		expiry := testdeadline.New()
		var until time.Time // the deadline the flow asked for
		engine := emu.engine(func(c *flows.EngineConfig) {
			c.PollMin, c.PollMax = time.Hour, time.Hour
			c.Until = func(ctx context.Context, at time.Time) (context.Context, context.CancelFunc) {
				until = at
				return expiry.Until(ctx, at)
			}
		})
		var started flows.Started
		_, err := engine.Run(context.Background(), emu.target(), func(e flows.Event) {
			switch e := e.(type) {
			case flows.Started:
				started = e
			case flows.ApprovalURLReady:
				expiry.Pass()
			}
		})
		if err == nil || !strings.HasPrefix(err.Error(), "the OAuth request expired at ") || !strings.HasSuffix(err.Error(), " before it was approved; start again") {
			t.Errorf("err = %v", err)
		}
		if want := emu.clock().Add(time.Minute).Truncate(time.Second); !until.Equal(started.Expires) || !until.Truncate(time.Second).Equal(want) {
			t.Errorf("the wait's deadline is %v, want the request's expiry %v (%v)", until, started.Expires, want)
		}
	})
}

func TestPollingBacksOffWhileNotApproved(t *testing.T) {
	emu := startEmulator(t)
	engine := emu.engine(func(c *flows.EngineConfig) {
		c.Timeout = time.Minute // named in the message; the test's deadline ends the wait
		c.PollMin, c.PollMax = time.Millisecond, 8*time.Millisecond
	})
	// The flow's deadline passes once it has waited four times.
	deadline := testdeadline.New()
	rec := flowtest.NewRecorder()
	emit := func(e flows.Event) {
		rec.Emit(e)
		if len(flowtest.Find[flows.Waiting](rec)) == 4 {
			deadline.Pass()
		}
	}
	_, err := engine.Run(deadline, emu.target(), emit)
	if !errors.Is(err, flows.ErrTimeout) || err.Error() != "timed out: no approval within 1m0s; start again and approve in the browser" {
		t.Fatalf("err = %v", err)
	}
	waits := flowtest.Find[flows.Waiting](rec)
	if len(waits) != 4 {
		t.Fatalf("%d Waiting events", len(waits))
	}
	var nexts []time.Duration
	for _, w := range waits {
		nexts = append(nexts, w.Next)
	}
	if want := []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond, 8 * time.Millisecond}; !slices.Equal(nexts, want) {
		t.Errorf("intervals %v, want %v", nexts, want)
	}
	if r := waits[0].Reason.String(); r != "server: not approved yet" {
		t.Errorf("reason %q", r)
	}
	if n := emu.count("GET /user/context"); n != len(waits) {
		t.Errorf("%d checks for %d Waiting events", n, len(waits))
	}
}

func TestCheckNowNoticesApprovalAtOnce(t *testing.T) {
	emu := startEmulator(t)
	engine := emu.engine(func(c *flows.EngineConfig) { c.PollMin, c.PollMax = time.Hour, time.Hour })
	emit, events := flowtest.Collect()
	conn := engine.Connect(emu.target(), emit)
	started := flowtest.Until[flows.Started](t, events)
	flowtest.Until[flows.ApprovalURLReady](t, events)
	if err := emu.Approve(started.ID.(string)); err != nil {
		t.Fatal(err)
	}
	conn.CheckNow()
	conn.CheckNow() // pressing twice must not block
	if via := flowtest.Until[flows.Approved](t, events).Via; via != msg.ViaCheck {
		t.Errorf("approved via %q", via)
	}
	flowtest.Until[flows.ResultReady](t, events)
}

func TestResumeAndReplaceAnExpiredRequest(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	newEngine := func() *flows.Engine {
		return emu.engine(func(c *flows.EngineConfig) { c.OpenBrowser = emu.approveAt; c.Sessions = store })
	}
	first, err := newEngine().Run(context.Background(), emu.target(), func(flows.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	key := newEngine().SessionKey(emu.target())
	if key != (flows.SessionKey{Provider: "liquid", Env: flows.EnvCustom, APIBase: emu.base, Account: tokenID}) {
		t.Errorf("saved under %+v", key)
	}

	// Another launch: the saved request still works, so nothing is approved.
	created := emu.count("POST /system/oauth_requests")
	rec := flowtest.NewRecorder()
	second, err := newEngine().Run(context.Background(), emu.target(), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	if len(flowtest.Find[flows.Resumed](rec)) != 1 || len(flowtest.Find[flows.ApprovalURLReady](rec)) != 0 ||
		emu.count("POST /system/oauth_requests") != created || string(second.Output) != string(first.Output) {
		t.Errorf("not resumed: %v", rec.Kinds())
	}

	// The request expires: the server answers 401, the saved one is
	// forgotten and a new one approved and saved.
	emu.advance(liquidsandbox.DefaultRequestLifetime + time.Minute)
	oldBlob, _ := store.Saved(key)
	rec = flowtest.NewRecorder()
	third, err := newEngine().Run(context.Background(), emu.target(), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	declined := flowtest.Find[flows.ResumeDeclined](rec)
	if len(declined) != 1 || !strings.Contains(declined[0].Reason.String(), "expired") || len(flowtest.Find[flows.Started](rec)) != 1 {
		t.Errorf("events %v", rec.Kinds())
	}
	newBlob, _ := store.Saved(key)
	if string(newBlob) == string(oldBlob) || string(third.Output) == string(first.Output) {
		t.Error("the new request was not saved in place of the expired one")
	}
}

func TestSignOutForgetsWhatTheServerCannotEnd(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	engine := emu.engine(func(c *flows.EngineConfig) { c.OpenBrowser = emu.approveAt; c.Sessions = store })
	if _, err := engine.Run(context.Background(), emu.target(), func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	emit, events := flowtest.Collect()
	engine.SignOut(emit)
	out := flowtest.Until[flows.SignedOut](t, events)
	if !errors.Is(out.RemoteErr, flows.ErrCannotEnd) || !strings.HasPrefix(out.String(), "signed out here; ") ||
		!strings.Contains(out.String(), "stays valid on the server until it expires") {
		t.Errorf("SignedOut %v", out)
	}
	if _, ok := store.Saved(out.Key); ok || out.Key != engine.SessionKey(emu.target()) {
		t.Errorf("%+v is still saved", out.Key)
	}
	if _, err := engine.Call(context.Background(), "GET", "/accounts", nil); err == nil {
		t.Error("still connected after signing out")
	}
}

func TestCallSignsWithTheSession(t *testing.T) {
	emu := startEmulator(t)
	engine := emu.engine(func(c *flows.EngineConfig) { c.OpenBrowser = emu.approveAt })
	if _, err := engine.Run(context.Background(), emu.target(), func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	resp, err := engine.Call(context.Background(), "get", "/accounts", nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("call: %+v %v", resp, err)
	}
	var acc struct {
		Fiat []struct{ Currency, Balance string } `json:"fiat_accounts"`
	}
	if err := json.Unmarshal(resp.Body, &acc); err != nil || len(acc.Fiat) != 3 || acc.Fiat[0].Balance != "0.00726" {
		t.Errorf("body %s: %v", resp.Body, err)
	}
}
