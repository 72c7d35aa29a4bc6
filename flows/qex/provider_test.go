package qex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// flow is one QEX connection through an engine, as the app runs it.
type flow struct {
	engine *flows.Engine
	target flows.Target
}

// newFlow wires an engine speaking QEX to sb with the sandbox's key, a
// loopback return address and quick polling; change adjusts the engine.
func newFlow(t *testing.T, sb *sandbox.Server, change func(*flows.EngineConfig)) *flow {
	t.Helper()
	cfg := flows.EngineConfig{
		Providers: []flows.Provider{qex.Provider{}},
		Receiver:  flows.Loopback,
		Timeout:   30 * time.Second,
		PollMin:   20 * time.Millisecond,
		PollMax:   100 * time.Millisecond,
	}
	if change != nil {
		change(&cfg)
	}
	return &flow{
		engine: flows.NewEngine(cfg),
		target: flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: sb.URL, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}},
	}
}

func (f *flow) Run(ctx context.Context, emit func(flows.Event)) (*flows.Result, error) {
	return f.engine.Run(ctx, f.target, emit)
}

// userAt returns an OpenBrowser that has a scripted user press decision on
// the approval page, in the background as a real browser would.
func userAt(decision string, opts testbrowser.Options) (func(string) error, <-chan error) {
	done := make(chan error, 1)
	return func(u string) error {
		go func() {
			_, err := testbrowser.Submit(context.Background(), u, decision, opts)
			done <- err
		}()
		return nil
	}, done
}

// identity is the session a result's widget configuration names.
func identity(res *flows.Result) widgetcfg.UserSession {
	return *res.Widget.Config.Identity.UserSession
}

func TestApproveEndToEnd(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	open, browserDone := userAt("approve", testbrowser.Options{})
	flow := newFlow(t, sb, func(c *flows.EngineConfig) {
		c.OpenBrowser = open
		c.PollMin, c.PollMax = time.Minute, time.Minute // only the browser's return can be what finishes it
	})
	rec := flowtest.NewRecorder()
	res, err := flow.Run(context.Background(), rec.Emit)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browserDone; err != nil {
		t.Fatalf("browser: %v", err)
	}
	want := []string{"flows.Started", "flows.ApprovalURLReady", "flows.Approved", "flows.BalancesFetched", "flows.ResultReady", "flows.WidgetConfigReady"}
	if got := rec.Kinds(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaReturn {
		t.Errorf("approved via %q", via)
	}
	ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
	u, _ := url.Parse(ready.URL)
	if !ready.Opened || u.Query().Get("preferred_action") != "follow_href" || u.Query().Get("return_url") != ready.ReturnURL ||
		!strings.HasPrefix(ready.ReturnURL, "http://127.0.0.1:") {
		t.Errorf("approval URL event %+v", ready)
	}
	cfg := res.Widget.Config
	session := identity(res)
	if cfg.PublicAPIKey != qexsandbox.DefaultPublicAPIKey || cfg.ConfigVersion != "1.2" || session.SessionID == "" || session.SessionSecret == "" ||
		res.Provider != "qex" {
		t.Errorf("%s result, widget config %+v", res.Provider, cfg)
	}
	if res.Widget.ScriptURL != sb.URL+"/static/liquid-qex-widget/index.umd.js" {
		t.Errorf("widget script %s", res.Widget.ScriptURL)
	}
	// The terminal prints the widget configuration, secret and all.
	var printed widgetcfg.Config
	if err := json.Unmarshal(res.Output, &printed); err != nil || printed.Identity == nil || printed.Identity.UserSession == nil ||
		printed.Identity.UserSession.SessionID != session.SessionID || printed.Identity.UserSession.SessionSecret != session.SessionSecret {
		t.Errorf("output %s: %v", res.Output, err)
	}
	if got := res.Balances.Accounts[0]; got != (flows.Account{Currency: "BTC", Symbol: "₿", Balance: "0.06", Reserved: "0.0", Type: "crypto"}) {
		t.Errorf("first account %+v", got)
	}
	if fetched := flowtest.Find[flows.BalancesFetched](rec); len(fetched) != 1 || fetched[0].Balances != res.Balances {
		t.Errorf("BalancesFetched %v", fetched)
	}
	for _, e := range rec.Events() {
		if strings.Contains(e.String(), session.SessionSecret) {
			t.Errorf("event %T's text holds the session secret", e)
		}
	}
	// The receiver is closed once the flow has its answer.
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(ready.ReturnURL); err == nil {
		resp.Body.Close()
		t.Error("the loopback receiver still answers after the flow ended")
	}
}

func TestDenyEndsTheFlow(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	open, _ := userAt("deny", testbrowser.Options{})
	flow := newFlow(t, sb, func(c *flows.EngineConfig) { c.OpenBrowser = open })
	rec := flowtest.NewRecorder()
	_, err := flow.Run(context.Background(), rec.Emit)
	var denied *callback.DeniedError
	if !errors.As(err, &denied) || denied.Code != "access_denied" {
		t.Fatalf("err = %v", err)
	}
	failed := flowtest.Find[flows.Failed](rec)
	if len(failed) != 1 || failed[0].String() != "failed: the request was denied in the browser; approve it to connect, or start again" {
		t.Errorf("Failed events %v", failed)
	}
}

func TestApprovalNoticedByPollingWhenNoRedirectComesBack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		receiver flows.ReceiverFactory
		noFollow bool
	}{
		// The service ends on "close this window and return to your app".
		{"no return URL", nil, false},
		// A browser that never loads the return URL (closed, blocked).
		{"redirect never followed", flows.Loopback, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := flowtest.StartSandbox(t)
			open, browserDone := userAt("approve", testbrowser.Options{NoFollow: tc.noFollow})
			flow := newFlow(t, sb, func(c *flows.EngineConfig) {
				c.Receiver = tc.receiver
				c.OpenBrowser = open
			})
			rec := flowtest.NewRecorder()
			res, err := flow.Run(context.Background(), rec.Emit)
			if err != nil {
				t.Fatal(err)
			}
			<-browserDone
			if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaPolling {
				t.Errorf("approved via %q, want polling", via)
			}
			if len(res.Balances.Accounts) == 0 {
				t.Error("no accounts")
			}
			if tc.receiver == nil {
				ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
				if strings.Contains(ready.URL, "return_url") {
					t.Errorf("approval URL has a return_url: %s", ready.URL)
				}
			}
		})
	}
}

func TestPollingBacksOffAndReportsWaiting(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) {
		c.Timeout = 2 * time.Second // four checks need 300 ms; the rest is slack for loaded machines
		c.PollMin, c.PollMax = 20*time.Millisecond, 160*time.Millisecond
	})
	rec := flowtest.NewRecorder()
	_, err := flow.Run(context.Background(), rec.Emit)
	if !errors.Is(err, flows.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	waits := flowtest.Find[flows.Waiting](rec)
	if len(waits) < 4 {
		t.Fatalf("%d Waiting events", len(waits))
	}
	var nexts []time.Duration
	for _, w := range waits[:4] {
		nexts = append(nexts, w.Next)
	}
	want := []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond, 160 * time.Millisecond}
	if fmt.Sprint(nexts) != fmt.Sprint(want) {
		t.Errorf("intervals %v, want %v", nexts, want)
	}
	if r := waits[0].Reason.String(); r != "server: Session not authorized: the user has not approved it yet." {
		t.Errorf("reason %q", r)
	}
}

func TestTimeout(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) { c.Timeout = 300 * time.Millisecond })
	rec := flowtest.NewRecorder()
	start := time.Now()
	_, err := flow.Run(context.Background(), rec.Emit)
	if !errors.Is(err, flows.ErrTimeout) || err.Error() != "timed out: no approval within 300ms; start again and approve in the browser" {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s to time out", elapsed)
	}
	ready := flowtest.Find[flows.ApprovalURLReady](rec)[0]
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(ready.ReturnURL); err == nil {
		resp.Body.Close()
		t.Error("the loopback receiver outlived the timeout")
	}
}

func TestCancel(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, nil)
	rec := flowtest.NewRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := flow.Run(ctx, rec.Emit); done <- err }()
	<-rec.Ready
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || err.Error() != "cancelled: context canceled" {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestForgedCallbacksDoNotEndTheFlow(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) { c.PollMin, c.PollMax = time.Minute, time.Minute })
	rec := flowtest.NewRecorder()
	done := make(chan error, 1)
	go func() { _, err := flow.Run(context.Background(), rec.Emit); done <- err }()
	ready := <-rec.Ready
	ret, _ := url.Parse(ready.ReturnURL)
	origin := "http://" + ret.Host

	forge := func(method, target, host string) {
		req, _ := http.NewRequest(method, target, nil)
		if host != "" {
			req.Host = host
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	forge("GET", origin+"/callback?state=forged", "")
	forge("GET", origin+"/callback?state=forged&error=access_denied", "")
	forge("GET", origin+"/elsewhere?"+ret.RawQuery, "")
	forge("POST", ready.ReturnURL, "")
	forge("GET", ready.ReturnURL, "evil.example:"+ret.Port())

	select {
	case err := <-done:
		t.Fatalf("a forged callback ended the flow: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if n := len(flowtest.Find[flows.CallbackIgnored](rec)); n != 5 {
		t.Errorf("%d CallbackIgnored events, want 5", n)
	}

	if _, err := testbrowser.Submit(context.Background(), ready.URL, "approve", testbrowser.Options{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("real approval failed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the real callback did not complete the flow")
	}
}

func TestCheckNowNoticesApprovalAtOnce(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) {
		c.Receiver = nil
		c.PollMin, c.PollMax = time.Hour, time.Hour
	})
	emit, events := flowtest.Collect()
	conn := flow.engine.Connect(flow.target, emit)
	ready := flowtest.Until[flows.ApprovalURLReady](t, events)
	// Approve on "another device": no redirect reaches this machine.
	if _, err := testbrowser.Submit(context.Background(), ready.URL, "approve", testbrowser.Options{}); err != nil {
		t.Fatal(err)
	}
	conn.CheckNow()
	conn.CheckNow() // pressing twice must not block
	if via := flowtest.Until[flows.Approved](t, events).Via; via != msg.ViaCheck {
		t.Errorf("approved via %q", via)
	}
	flowtest.Until[flows.ResultReady](t, events)
}

// A session that expires while the user dawdles is gone: it is reported,
// and a new one starts for the user to approve in the browser.
func TestSessionGoneWhileWaiting(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sb := flowtest.StartSandbox(t, qexsandbox.Emulator(qexsandbox.WithClock(clock), qexsandbox.WithSessionTTL(time.Hour)))
	flow := newFlow(t, sb, func(c *flows.EngineConfig) { c.Receiver, c.OpenBrowser = nil, func(string) error { return nil } })
	rec := flowtest.NewRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := flow.Run(ctx, rec.Emit); done <- err }()
	first := <-rec.Ready
	select {
	case err := <-done:
		t.Fatalf("ended before the session expired: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	mu.Lock()
	now = now.Add(2 * time.Hour) // the session expires while the user dawdles
	mu.Unlock()
	select {
	case again := <-rec.Ready:
		if again.URL == first.URL {
			t.Errorf("the new approval is for the expired session: %s", again.URL)
		}
		gone := flowtest.Find[flows.AccessGone](rec)
		if len(gone) != 1 || !strings.HasPrefix(gone[0].Reason.String(), "the session is gone (fetch accounts failed: the server answered HTTP 404") {
			t.Errorf("AccessGone events %v", gone)
		}
	case err := <-done:
		t.Fatalf("the flow ended instead of starting a new approval: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the flow kept waiting on an expired session")
	}
	cancel()
	<-done
}

func TestCreateSessionErrorsEndTheFlow(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, nil)
	flow.target.Inputs[qex.FieldPublicAPIKey] = "pk_live_not-a-sandbox-key"
	rec := flowtest.NewRecorder()
	_, err := flow.Run(context.Background(), rec.Emit)
	if err == nil || err.Error() != `create session failed: the server refused the public API key (HTTP 401: "This is not a sandbox key: the sandbox accepts only pk_sandbox_ keys."); check --public-api-key or the key field` || !qex.IsUnauthorized(err) {
		t.Errorf("err = %v", err)
	}
	if kinds := rec.Kinds(); len(kinds) != 1 || kinds[0] != "flows.Failed" {
		t.Errorf("events %v", kinds)
	}
}

// A browser still on its way back when polling noticed the approval is
// told "You're connected", not "This site can't be reached"; what it brings
// is taken by nothing, and the address closes with the app.
func TestBrowserReturningAfterPollingNoticedGetsItsPage(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	approved := make(chan *testbrowser.Visit, 1)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) {
		c.OpenBrowser = func(u string) error {
			go func() {
				v, err := testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{NoFollow: true})
				if err != nil {
					t.Error(err)
				}
				approved <- v
			}()
			return nil
		}
	})
	rec := flowtest.NewRecorder()
	if _, err := flow.Run(context.Background(), rec.Emit); err != nil {
		t.Fatal(err)
	}
	if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaPolling {
		t.Fatalf("approved via %q, want polling", via)
	}
	visit := <-approved
	if visit == nil || visit.Redirect == "" {
		t.Fatalf("the approval page did not send the browser back: %+v", visit)
	}
	back, err := testbrowser.Get(context.Background(), visit.Redirect)
	if err != nil {
		t.Fatalf("the browser coming back found no page: %v", err)
	}
	if back.Status != http.StatusOK || !strings.Contains(back.Body, "You&#39;re connected") {
		t.Errorf("the browser coming back got %d:\n%s", back.Status, back.Body)
	}
	// A second arrival is not the browser's return: it is turned away.
	if again, err := testbrowser.Get(context.Background(), visit.Redirect); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("a second return got %+v, %v", again, err)
	}
	flow.engine.Close()
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(visit.Redirect); err == nil {
		resp.Body.Close()
		t.Error("the return address still answers after the app closed")
	}
}
