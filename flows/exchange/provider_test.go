package exchange_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	exchangesandbox "github.com/qexcompanion/qex-companion/internal/sandbox/exchange"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// world is the EXchange emulator at /exchange and a fake token broker in
// front of it, counting what they were asked.
type world struct {
	emu       *exchangesandbox.Server
	base      string // EXchange's API base
	brokerURL string
	client    string
	secret    string // the client secret: the broker's alone

	mu       sync.Mutex
	calls    map[string]int // EXchange calls and APIv2 error codes answered
	grants   map[string]*fakeGrant
	refresh  int
	lastCode string
}

type fakeGrant struct{ secret, refreshToken string }

func startWorld(t *testing.T) *world {
	t.Helper()
	w := &world{emu: exchangesandbox.New(), calls: map[string]int{}, grants: map[string]*fakeGrant{}}
	w.client, w.secret = w.emu.Client()
	counted := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		w.emu.ServeHTTP(rec, r)
		var body struct {
			Error struct{ Code int } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		w.mu.Lock()
		w.calls[r.Method+" "+r.URL.Path]++
		if body.Error.Code != 0 {
			w.calls[fmt.Sprint(body.Error.Code)]++
		}
		w.mu.Unlock()
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.WriteHeader(rec.Code)
		rw.Write(rec.Body.Bytes())
	})
	ex := httptest.NewServer(http.StripPrefix("/exchange", counted))
	t.Cleanup(ex.Close)
	w.base = ex.URL + "/exchange"
	broker := httptest.NewServer(http.HandlerFunc(w.serveBroker))
	t.Cleanup(broker.Close)
	w.brokerURL = broker.URL
	return w
}

func (w *world) count(k string) int { w.mu.Lock(); defer w.mu.Unlock(); return w.calls[k] }

// serveBroker is docs/broker.md in memory: it alone holds the client
// secret and the refresh tokens, and calls EXchange's token endpoint.
func (w *world) serveBroker(rw http.ResponseWriter, r *http.Request) {
	var in map[string]string
	json.NewDecoder(r.Body).Decode(&in)
	reply := func(status int, v any) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		json.NewEncoder(rw).Encode(v)
	}
	refuse := func(status int, code, msg string) { reply(status, map[string]string{"error": code, "message": msg}) }
	token := func(form url.Values) (map[string]any, bool) {
		form.Set("client_id", w.client)
		form.Set("client_secret", w.secret)
		resp, err := http.PostForm(w.base+"/oauth/token", form)
		if err != nil {
			refuse(504, "exchange_timeout", "EXchange did not answer")
			return nil, false
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != 200 {
			refuse(502, "exchange_error", fmt.Sprint(body["error"]))
			return nil, false
		}
		return body, true
	}
	expiresAt := func(tok map[string]any) string {
		return time.Now().Add(time.Duration(tok["expires_in"].(float64)) * time.Second).UTC().Format(time.RFC3339)
	}
	grantOf := func() (string, *fakeGrant) {
		w.mu.Lock()
		defer w.mu.Unlock()
		g := w.grants[in["grant_id"]]
		if g == nil || g.secret != in["grant_secret"] {
			return "", nil
		}
		return in["grant_id"], g
	}
	switch r.URL.Path {
	case "/v1/start":
		q := url.Values{"client_id": {w.client}, "redirect_uri": {in["redirect_uri"]}, "response_type": {"code"}, "state": {in["state"]}}
		reply(200, map[string]string{"authorize_url": w.base + "/oauth/authorize?" + q.Encode() + "&scope=" + strings.ReplaceAll(in["scope"], " ", "+")})
	case "/v1/token":
		tok, ok := token(url.Values{"grant_type": {"authorization_code"}, "code": {in["code"]}, "redirect_uri": {in["redirect_uri"]}})
		if !ok {
			return
		}
		id, secret := fmt.Sprintf("g%d", time.Now().UnixNano()), fmt.Sprintf("gs%d", time.Now().UnixNano())
		w.mu.Lock()
		w.grants[id] = &fakeGrant{secret: secret, refreshToken: tok["refresh_token"].(string)}
		w.lastCode = in["code"]
		w.mu.Unlock()
		reply(200, map[string]any{"user_token": tok["access_token"], "expires_at": expiresAt(tok), "grant": map[string]string{"id": id, "secret": secret}})
	case "/v1/refresh":
		_, g := grantOf()
		if g == nil {
			refuse(401, "invalid_grant", "unknown grant")
			return
		}
		tok, ok := token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.refreshToken}})
		if !ok {
			return
		}
		w.mu.Lock()
		g.refreshToken = tok["refresh_token"].(string)
		w.refresh++
		w.mu.Unlock()
		reply(200, map[string]any{"user_token": tok["access_token"], "expires_at": expiresAt(tok)})
	case "/v1/revoke":
		id, g := grantOf()
		if g == nil {
			refuse(401, "invalid_grant", "unknown grant")
			return
		}
		resp, err := http.PostForm(w.base+"/oauth/revoke", url.Values{"client_id": {w.client}, "client_secret": {w.secret}, "token": {g.refreshToken}})
		if err == nil {
			resp.Body.Close()
		}
		w.mu.Lock()
		delete(w.grants, id)
		w.mu.Unlock()
		rw.WriteHeader(204)
	default:
		refuse(404, "invalid_request", "no such call")
	}
}

func (w *world) refreshes() int { w.mu.Lock(); defer w.mu.Unlock(); return w.refresh }

// press is an OpenBrowser whose user loads the real consent page and
// presses decision; the scripted browser follows the redirect home.
func press(decision string) func(string) error {
	return func(u string) error {
		go testbrowser.Submit(context.Background(), u, decision, testbrowser.Options{}) //nolint:errcheck // the flow reports what happened
		return nil
	}
}

func (w *world) engine(store flows.SessionStore, decision string) *flows.Engine {
	return flows.NewEngine(flows.EngineConfig{
		Providers:   []flows.Provider{exchange.Provider{}},
		OpenBrowser: press(decision),
		Receiver:    flows.Loopback,
		Sessions:    store,
		Timeout:     20 * time.Second,
		PollMin:     20 * time.Millisecond,
		PollMax:     100 * time.Millisecond,
	})
}

func (w *world) target() flows.Target {
	return flows.Target{Provider: "exchange", Env: flows.EnvCustom, APIBase: w.base, Inputs: flows.Inputs{exchange.FieldBroker: w.brokerURL}}
}

type savedSession struct {
	V           int
	AccessKey   string    `json:"access_key"`
	SecretKey   string    `json:"secret_key"`
	ExpiresAt   time.Time `json:"expires_at"`
	GrantID     string    `json:"grant_id"`
	GrantSecret string    `json:"grant_secret"`
}

func savedOf(t *testing.T, store *flowtest.MemoryStore, key flows.SessionKey) savedSession {
	t.Helper()
	blob, ok := store.Saved(key)
	var sv savedSession
	if !ok || json.Unmarshal(blob, &sv) != nil || sv.V != 1 || sv.AccessKey == "" || sv.SecretKey == "" || sv.GrantID == "" || sv.GrantSecret == "" {
		t.Fatalf("saved %q", blob)
	}
	return sv
}

// assertHidden fails if a secret shows in the output, an event's text or
// an inspected exchange.
func assertHidden(t *testing.T, output []byte, rec *flowtest.Recorder, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			t.Fatal("an empty secret proves nothing")
		}
		if bytes.Contains(output, []byte(secret)) {
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

func TestApproveThroughTheBroker(t *testing.T) {
	w := startWorld(t)
	store := flowtest.NewMemoryStore()
	engine := w.engine(store, "approve")
	rec := flowtest.NewRecorder()
	res, err := engine.Run(context.Background(), w.target(), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	kinds := slices.DeleteFunc(rec.Kinds(), func(k string) bool { return k == "flows.Waiting" })
	if want := []string{"flows.Started", "flows.ApprovalURLReady", "flows.Approved", "flows.BalancesFetched", "flows.ResultReady", "flows.SessionSaved"}; !slices.Equal(kinds, want) {
		t.Errorf("events\n got %v\nwant %v", kinds, want)
	}
	ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
	page, _ := url.Parse(ready.URL)
	ret, _ := url.Parse(ready.ReturnURL)
	q := page.Query()
	home := *ret
	home.RawQuery = ""
	if page.Path != "/exchange/oauth/authorize" || q.Get("client_id") != w.client || q.Get("redirect_uri") != home.String() || q.Get("state") != ret.Query().Get("state") ||
		q.Get("scope") != "profile history trade" || q.Has("client_secret") {
		t.Errorf("authorize URL %s for return URL %s", ready.URL, ready.ReturnURL)
	}

	var profile []string
	for _, f := range res.Profile {
		profile = append(profile, f.Label+"="+f.Value)
	}
	if want := []string{"Member SN=PEA7X2K9QZTIO", "Name=Kenji Watanabe", "Email=kenji.watanabe@sandbox.exchange.test"}; !slices.Equal(profile, want) {
		t.Errorf("profile %v", profile)
	}
	var balances []string
	for _, a := range res.Balances.Accounts {
		balances = append(balances, fmt.Sprintf("%s %s %s", a.Currency, a.Balance, a.Reserved))
	}
	if want := []string{"BTC 0.00726 0.0", "ETH 12.345678901234567891 0.5", "CNY 1250.5 0.0"}; !slices.Equal(balances, want) {
		t.Errorf("balances %v", balances)
	}
	if d := time.Until(res.Expires); d < 3*time.Hour+59*time.Minute || d > 4*time.Hour {
		t.Errorf("expires in %s, want the seed's 4 hours", d)
	}
	var out struct {
		Provider string
		Member   map[string]string
		Accounts []map[string]string
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(res.Output, &top) != nil || len(top) != 3 || json.Unmarshal(res.Output, &out) != nil || out.Provider != "exchange" ||
		fmt.Sprint(out.Member) != "map[email:kenji.watanabe@sandbox.exchange.test name:Kenji Watanabe sn:PEA7X2K9QZTIO]" ||
		len(out.Accounts) != 3 || fmt.Sprint(out.Accounts[1]) != "map[balance:12.345678901234567891 currency:eth locked:0.5]" {
		t.Errorf("output %s", res.Output)
	}
	sv := savedOf(t, store, engine.SessionKey(w.target()))
	if !sv.ExpiresAt.Equal(res.Expires) {
		t.Errorf("saved expiry %s, shown %s", sv.ExpiresAt, res.Expires)
	}
	w.mu.Lock()
	code := w.lastCode
	w.mu.Unlock()
	assertHidden(t, res.Output, rec, sv.AccessKey, sv.SecretKey, sv.GrantSecret, w.secret, code)
}

func TestDenyEndsTheFlowAtOnce(t *testing.T) {
	w := startWorld(t)
	start := time.Now()
	_, err := w.engine(nil, "deny").Run(context.Background(), w.target(), func(flows.Event) {})
	if err == nil || err.Error() != "the request was denied in the browser; approve it to connect, or start again" {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 10*time.Second || w.count("POST /oauth/token") != 0 {
		t.Errorf("took %s, %d token calls", time.Since(start), w.count("POST /oauth/token"))
	}
}

func TestExpiredKeyIsRenewedThroughTheBrokerAndSaved(t *testing.T) {
	w := startWorld(t)
	store := flowtest.NewMemoryStore()
	engine := w.engine(store, "approve")
	key := engine.SessionKey(w.target())
	emit, events := flowtest.Collect()
	if _, err := engine.Run(context.Background(), w.target(), emit); err != nil {
		t.Fatal(err)
	}
	before := savedOf(t, store, key)
	w.emu.ExpireKeys()
	resp, err := engine.Call(context.Background(), "GET", "/api/v2/orders?market=btccny", nil)
	if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), `"price":"41250.0"`) {
		t.Fatalf("call: %+v %v", resp, err)
	}
	flowtest.Until[flows.SessionSaved](t, events) // the approval's
	if saved := flowtest.Until[flows.SessionSaved](t, events); saved.Err != nil {
		t.Errorf("saving the renewed key: %v", saved.Err)
	}
	after := savedOf(t, store, key)
	if w.count("2010") != 1 || w.refreshes() != 1 || after.GrantID != before.GrantID || after.SecretKey == before.SecretKey {
		t.Errorf("2010s %d, refreshes %d, saved %+v", w.count("2010"), w.refreshes(), after)
	}
	// The renewed key goes on working: no second refresh.
	if resp, err := engine.Call(context.Background(), "GET", "/api/v2/members/me", nil); err != nil || resp.Status != 200 || w.refreshes() != 1 {
		t.Errorf("second call: %+v %v, %d refreshes", resp, err, w.refreshes())
	}

	// At the next launch the saved key is renewed the same way.
	w.emu.ExpireKeys()
	rec := flowtest.NewRecorder()
	res, err := w.engine(store, "deny").Run(context.Background(), w.target(), rec.Emit) // a browser would deny: none must open
	if err != nil {
		t.Fatal(err)
	}
	if len(flowtest.Find[flows.Resumed](rec)) != 1 || len(flowtest.Find[flows.ApprovalURLReady](rec)) != 0 || w.refreshes() != 2 ||
		savedOf(t, store, key).AccessKey == after.AccessKey || res.Balances == nil {
		t.Errorf("resume: events %v, %d refreshes", rec.Kinds(), w.refreshes())
	}
}

func TestSignOutRevokesTheGrant(t *testing.T) {
	w := startWorld(t)
	store := flowtest.NewMemoryStore()
	engine := w.engine(store, "approve")
	key := engine.SessionKey(w.target())
	if _, err := engine.Run(context.Background(), w.target(), func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	sv := savedOf(t, store, key)
	emit, events := flowtest.Collect()
	engine.SignOut(emit)
	if out := flowtest.Until[flows.SignedOut](t, events); out.RemoteErr != nil {
		t.Errorf("signed out: %v", out)
	}
	if _, ok := store.Saved(key); ok {
		t.Error("the session is still saved")
	}
	// EXchange forgot the key; the broker forgot the grant.
	c, _ := exchange.NewClient(w.base, http.DefaultClient, time.Now)
	if _, err := c.Me(context.Background(), &keys{current: exchange.Key{Access: sv.AccessKey, Secret: sv.SecretKey}}); !exchange.IsCode(err, exchange.CodeKeyUnknown) {
		t.Errorf("the signed-out key: %v", err)
	}
	b, _ := exchange.NewBroker(w.brokerURL, http.DefaultClient, time.Now)
	if _, err := b.Refresh(context.Background(), exchange.Grant{ID: sv.GrantID, Secret: sv.GrantSecret}); !exchange.IsInvalidGrant(err) {
		t.Errorf("the signed-out grant: %v", err)
	}
}

// A saved session whose grant the broker forgot, once its key expired, is
// forgotten and a new approval starts.
func TestForgottenGrantStartsANewApproval(t *testing.T) {
	w := startWorld(t)
	store := flowtest.NewMemoryStore()
	if _, err := w.engine(store, "approve").Run(context.Background(), w.target(), func(flows.Event) {}); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	clear(w.grants)
	w.mu.Unlock()
	w.emu.ExpireKeys()
	rec := flowtest.NewRecorder()
	if _, err := w.engine(store, "approve").Run(context.Background(), w.target(), rec.Emit); err != nil {
		t.Fatal(err)
	}
	declined := flowtest.Find[flows.ResumeDeclined](rec)
	if len(declined) != 1 || !strings.Contains(declined[0].Reason.String(), "the broker no longer knows this sign-in") || len(flowtest.Find[flows.Approved](rec)) != 1 {
		t.Errorf("events %v, declined %v", rec.Kinds(), declined)
	}
}

func TestInputsAreChecked(t *testing.T) {
	w := startWorld(t)
	engine := w.engine(nil, "approve")
	for name, in := range map[string]flows.Inputs{
		"an ftp broker":    {exchange.FieldBroker: "ftp://broker.example.com"},
		"no broker":        {},
		"an unknown scope": {exchange.FieldBroker: w.brokerURL, exchange.FieldScope: "profile withdraw"},
	} {
		target := w.target()
		target.Inputs = in
		if err := engine.Check(target); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	target := w.target()
	target.Inputs[exchange.FieldScope] = "profile+history"
	if err := engine.Check(target); err != nil {
		t.Errorf("scope with '+': %v", err)
	}
}
