package oauth2_test

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
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/flows/oauth2"
	oauth2sandbox "github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// emulator is the OAuth 2.0 emulator mounted at /oauth2, counting calls,
// with a clock the test moves.
type emulator struct {
	*oauth2sandbox.Server
	base string

	mu     sync.Mutex
	now    time.Time
	calls  map[string]int
	codes  []string // codes the browser carried back
	client string
	secret string
}

func startEmulator(t *testing.T, opts ...oauth2sandbox.Option) *emulator {
	t.Helper()
	e := &emulator{now: time.Now(), calls: map[string]int{}}
	e.Server = oauth2sandbox.New(append([]oauth2sandbox.Option{oauth2sandbox.WithClock(e.clock)}, opts...)...)
	e.client, e.secret = e.Client()
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method+" "+r.URL.Path]++
		e.mu.Unlock()
		e.Server.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(http.StripPrefix("/oauth2", counted))
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/oauth2"
	return e
}

func (e *emulator) clock() time.Time        { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *emulator) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }
func (e *emulator) count(call string) int   { e.mu.Lock(); defer e.mu.Unlock(); return e.calls[call] }

// seenCodes are the codes the browser carried back. The scripted browser
// notes a code once it has read the receiver's page, which can be after the
// flow has finished with it: wait a little for it.
func (e *emulator) seenCodes() []string {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		e.mu.Lock()
		codes := slices.Clone(e.codes)
		e.mu.Unlock()
		if len(codes) > 0 || time.Now().After(deadline) {
			return codes
		}
	}
}
func (e *emulator) rememberCode(code string) {
	e.mu.Lock()
	e.codes = append(e.codes, code)
	e.mu.Unlock()
}

// press is an OpenBrowser whose user loads the real consent page and
// presses decision; the scripted browser then follows the redirect to the
// app's loopback receiver.
func (e *emulator) press(decision string) func(string) error {
	return func(u string) error {
		go func() {
			visit, err := testbrowser.Submit(context.Background(), u, decision, testbrowser.Options{})
			if err == nil {
				if r, err := url.Parse(visit.Redirect); err == nil && r.Query().Get("code") != "" {
					e.rememberCode(r.Query().Get("code"))
				}
			}
		}()
		return nil
	}
}

func (e *emulator) engine(store flows.SessionStore, decision string) *flows.Engine {
	return flows.NewEngine(flows.EngineConfig{
		Providers:   []flows.Provider{oauth2.Provider{}},
		OpenBrowser: e.press(decision),
		Receiver:    flows.Loopback,
		Sessions:    store,
		Timeout:     20 * time.Second,
		PollMin:     20 * time.Millisecond,
		PollMax:     100 * time.Millisecond,
	})
}

func (e *emulator) target(in flows.Inputs) flows.Target {
	inputs := flows.Inputs{oauth2.FieldClientID: e.client}
	maps.Copy(inputs, in)
	return flows.Target{Provider: "oauth2", Env: flows.EnvCustom, APIBase: e.base, Inputs: inputs}
}

type savedToken struct {
	V            int    `json:"v"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope, Grant string
}

func savedOf(t *testing.T, store *flowtest.MemoryStore, key flows.SessionKey) savedToken {
	t.Helper()
	blob, ok := store.Saved(key)
	var sv savedToken
	if !ok || json.Unmarshal(blob, &sv) != nil || sv.V != 1 || sv.AccessToken == "" {
		t.Fatalf("saved %q", blob)
	}
	return sv
}

// assertHidden fails if any secret shows in the output, an event's text
// or an inspected exchange.
func assertHidden(t *testing.T, output []byte, rec *flowtest.Recorder, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			t.Fatal("an empty secret proves nothing")
		}
		if strings.Contains(string(output), secret) {
			t.Errorf("the output holds a secret: %s", output)
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

func facts(res *flows.Result) map[string]string {
	m := map[string]string{}
	for _, f := range res.Profile {
		m[f.Label] = f.Value
	}
	return m
}

func TestApproveOnTheConsentPage(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	engine := emu.engine(store, "approve")
	rec := flowtest.NewRecorder()
	target := emu.target(nil)
	res, err := engine.Run(context.Background(), target, rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	kinds := slices.DeleteFunc(rec.Kinds(), func(k string) bool { return k == "flows.Waiting" })
	if want := []string{"flows.ApprovalURLReady", "flows.Approved", "flows.ResultReady", "flows.SessionSaved"}; !slices.Equal(kinds, want) {
		t.Errorf("events\n got %v\nwant %v", kinds, want)
	}
	ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
	login, _ := url.Parse(ready.URL)
	ret, _ := url.Parse(ready.ReturnURL)
	q := login.Query()
	wantRedirect := *ret
	wantRedirect.RawQuery = ""
	if login.Path != "/oauth2/login" || q.Get("response_type") != "code" || q.Get("client_id") != emu.client || q.Get("scope") != "delegated:all" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") != ret.Query().Get("state") ||
		q.Get("redirect_uri") != wantRedirect.String() || q.Has("client_secret") {
		t.Errorf("login URL %s for return URL %s", ready.URL, ready.ReturnURL)
	}
	if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaReturn {
		t.Errorf("approved via %q", via)
	}

	f := facts(res)
	if res.Provider != "oauth2" || f["Name"] != "Hanako Yamada" || f["Username"] != "hanako_yamada" || f["Email"] != "hanako.yamada@sandbox.liquid.test" ||
		f["Verified"] != "yes" || f["Role"] != "user" || f["Scopes granted"] != "delegated:all" || f["Access token"] == "" {
		t.Errorf("profile %v", res.Profile)
	}
	if d := time.Until(res.Expires); d < 59*time.Minute || d > time.Hour {
		t.Errorf("expires in %s, want the documented hour", d)
	}
	var out struct {
		Provider string
		Token    struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			Expiry      time.Time
			Scope       string
		}
		User map[string]any
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(res.Output, &top) != nil || !slices.Equal(slices.Sorted(maps.Keys(top)), []string{"provider", "token", "user"}) || json.Unmarshal(res.Output, &out) != nil {
		t.Fatalf("output %s", res.Output)
	}
	sv := savedOf(t, store, engine.SessionKey(target))
	if out.Provider != "oauth2" || out.Token.AccessToken != sv.AccessToken || out.Token.TokenType != "Bearer" || !out.Token.Expiry.Equal(res.Expires.Truncate(time.Second)) && !out.Token.Expiry.Equal(res.Expires) ||
		out.Token.Scope != "delegated:all" || out.User["username"] != "hanako_yamada" || out.User["firstName"] != "Hanako" {
		t.Errorf("output %s", res.Output)
	}
	if sv.RefreshToken == "" || sv.Grant != "code" || sv.Scope != "delegated:all" {
		t.Errorf("saved %+v", sv)
	}
	codes := emu.seenCodes()
	if len(codes) != 1 {
		t.Fatalf("codes %v", codes)
	}
	// The exchange sent a verifier; the inspector shows only that it did.
	var exchange flows.HTTPExchange
	for _, ex := range flowtest.Find[flows.HTTPExchange](rec) {
		if strings.Contains(ex.RequestBody, "grant_type=authorization_code") {
			exchange = ex
		}
	}
	if !strings.Contains(exchange.RequestBody, "code_verifier="+flows.Redacted) || !strings.Contains(exchange.RequestBody, "code="+flows.Redacted) ||
		strings.Contains(exchange.RequestBody, "client_secret") {
		t.Errorf("exchange as inspected: %s", exchange.RequestBody)
	}
	assertHidden(t, res.Output, rec, sv.RefreshToken, codes[0], emu.secret)
	for _, e := range flowtest.Find[flows.HTTPExchange](rec) {
		if strings.Contains(e.RequestBody+e.ResponseBody+e.RequestHeaders, sv.AccessToken) {
			t.Errorf("the inspector shows the access token in %s", e)
		}
	}
}

func TestDenyEndsTheFlowAtOnce(t *testing.T) {
	emu := startEmulator(t)
	start := time.Now()
	_, err := emu.engine(nil, "deny").Run(context.Background(), emu.target(nil), func(flows.Event) {})
	if err == nil || err.Error() != "the request was denied in the browser; approve it to connect, or start again" {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 10*time.Second || emu.count("POST /oauth/token") != 0 {
		t.Errorf("took %s, %d token calls", time.Since(start), emu.count("POST /oauth/token"))
	}
}

func TestResumeRefreshesAndKeepsTheRotatedToken(t *testing.T) {
	// Access tokens live 30 s: under the minute the app refreshes ahead.
	emu := startEmulator(t, oauth2sandbox.WithLifetimes(0, 30*time.Second, 0))
	store := flowtest.NewMemoryStore()
	target := emu.target(nil)
	key := emu.engine(store, "approve").SessionKey(target)
	if _, err := emu.engine(store, "approve").Run(context.Background(), target, func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	first := savedOf(t, store, key)
	for run := range 2 {
		before := savedOf(t, store, key)
		rec := flowtest.NewRecorder()
		res, err := emu.engine(store, "deny").Run(context.Background(), target, rec.Emit) // a browser would deny: none must open
		if err != nil {
			t.Fatalf("run %d: %v", run+2, err)
		}
		after := savedOf(t, store, key)
		if len(flowtest.Find[flows.Resumed](rec)) != 1 || len(flowtest.Find[flows.ApprovalURLReady](rec)) != 0 ||
			len(flowtest.Find[flows.SessionSaved](rec)) != 1 || after.RefreshToken == before.RefreshToken || after.AccessToken == before.AccessToken {
			t.Errorf("run %d: events %v; refresh token rotated: %v", run+2, rec.Kinds(), after.RefreshToken != before.RefreshToken)
		}
		if facts(res)["Access token"] != after.AccessToken {
			t.Errorf("run %d shows another token than it saved", run+2)
		}
		assertHidden(t, res.Output, rec, before.RefreshToken, after.RefreshToken)
	}
	// The first refresh token was rotated away: the service refuses it.
	resp, err := http.PostForm(emu.base+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {emu.client}, "refresh_token": {first.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || emu.count("POST /login/decision") != 1 {
		t.Errorf("old refresh token: HTTP %d; %d approvals", resp.StatusCode, emu.count("POST /login/decision"))
	}
}

func TestRefusedRefreshStartsANewApproval(t *testing.T) {
	emu := startEmulator(t, oauth2sandbox.WithLifetimes(0, 30*time.Second, 0))
	store := flowtest.NewMemoryStore()
	target := emu.target(nil)
	if _, err := emu.engine(store, "approve").Run(context.Background(), target, func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	emu.advance(oauth2sandbox.DefaultRefreshLifetime + time.Hour)
	rec := flowtest.NewRecorder()
	if _, err := emu.engine(store, "approve").Run(context.Background(), target, rec.Emit); err != nil {
		t.Fatal(err)
	}
	declined := flowtest.Find[flows.ResumeDeclined](rec)
	if len(declined) != 1 || declined[0].Reason.String() != "the saved refresh token was refused (invalid_grant): approve again" ||
		len(flowtest.Find[flows.Approved](rec)) != 1 || emu.count("POST /login/decision") != 2 {
		t.Errorf("events %v, declined %v", rec.Kinds(), declined)
	}
}

func TestClientCredentials(t *testing.T) {
	emu := startEmulator(t)
	engine := emu.engine(flowtest.NewMemoryStore(), "deny")
	t.Run("with the secret", func(t *testing.T) {
		rec := flowtest.NewRecorder()
		res, err := engine.Run(context.Background(), emu.target(flows.Inputs{oauth2.FieldGrant: "client_credentials", oauth2.FieldScope: "client:profile:read", oauth2.FieldClientSecret: emu.secret}), rec.Emit)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Token map[string]any
			User  any
		}
		if json.Unmarshal(res.Output, &out) != nil || out.User != nil || out.Token["scope"] != "client:profile:read" || out.Token["access_token"] == "" ||
			len(flowtest.Find[flows.ApprovalURLReady](rec)) != 0 || facts(res)["Grant"] != "client credentials" {
			t.Errorf("output %s, events %v", res.Output, rec.Kinds())
		}
		assertHidden(t, res.Output, rec, emu.secret)
	})
	for name, tc := range map[string]struct{ secret, want string }{
		"without the secret": {"", "the client_credentials grant needs the client secret: set $LIQUID_CLIENT_SECRET (or fill in the window's client secret field)"},
		"with a wrong one":   {"not-the-secret", "could not get a client-credentials token: the server answered HTTP 401 (invalid_client: wrong client_secret); check the client id and $LIQUID_CLIENT_SECRET"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := engine.Run(context.Background(), emu.target(flows.Inputs{oauth2.FieldGrant: "client_credentials", oauth2.FieldClientSecret: tc.secret}), func(flows.Event) {})
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestCallAndRefreshNow(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	engine := emu.engine(store, "approve")
	target := emu.target(nil)
	if _, err := engine.Run(context.Background(), target, func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	resp, err := engine.Call(context.Background(), "GET", "/api/me", nil)
	if err != nil || resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"username":"hanako_yamada"`) {
		t.Fatalf("call: %+v %v", resp, err)
	}
	before := savedOf(t, store, engine.SessionKey(target))
	emit, events := flowtest.Collect()
	engine.RefreshToken(emit)
	flowtest.Until[flows.SessionSaved](t, events)
	updated := flowtest.Until[flows.ResultUpdated](t, events)
	after := savedOf(t, store, engine.SessionKey(target))
	if after.RefreshToken == before.RefreshToken || facts(updated.Result)["Access token"] != after.AccessToken {
		t.Error("Refresh now did not replace the saved tokens")
	}
	// The old access token still lives until it expires; a made-up one is refused.
	resp, err = engine.Call(context.Background(), "GET", "/api/scopes", nil)
	if err != nil || resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"scopes":["delegated:all"]`) {
		t.Errorf("scopes: %+v %v", resp, err)
	}
	emit, events = flowtest.Collect()
	engine.SignOut(emit)
	if out := flowtest.Until[flows.SignedOut](t, events); !errors.Is(out.RemoteErr, flows.ErrCannotEnd) {
		t.Errorf("signed out: %v", out)
	}
}

func TestNoReturnAddressIsToldAtOnce(t *testing.T) {
	emu := startEmulator(t)
	engine := flows.NewEngine(flows.EngineConfig{Providers: []flows.Provider{oauth2.Provider{}}, Timeout: 10 * time.Second, PollMin: 20 * time.Millisecond})
	_, err := engine.Run(context.Background(), emu.target(nil), func(flows.Event) {})
	if err == nil || err.Error() != "the authorization code needs a return address: use the loopback or deep-link callback, not none" {
		t.Errorf("err = %v", err)
	}
}

// A saved token the server no longer knows (its sandbox was reset) is
// forgotten with one check, and a new approval starts: no failure.
func TestTokenTheServerForgotStartsANewApproval(t *testing.T) {
	emu := startEmulator(t)
	store := flowtest.NewMemoryStore()
	target := emu.target(nil)
	if _, err := emu.engine(store, "approve").Run(context.Background(), target, func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	reset := startEmulator(t) // a new server: it knows no token
	reset.client = emu.client
	rec := flowtest.NewRecorder()
	target = reset.target(nil)
	saved, _, _ := store.Load(emu.engine(store, "approve").SessionKey(emu.target(nil)))
	store.Save(reset.engine(store, "approve").SessionKey(target), saved, time.Now())
	if _, err := reset.engine(store, "approve").Run(context.Background(), target, rec.Emit); err != nil {
		t.Fatalf("%v\n%v", err, rec.Kinds())
	}
	declined := flowtest.Find[flows.ResumeDeclined](rec)
	if len(declined) != 1 || !strings.Contains(declined[0].Reason.String(), "does not accept the access token") || len(flowtest.Find[flows.ApprovalURLReady](rec)) != 1 {
		t.Errorf("events %v", rec.Kinds())
	}
}
