package flows_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// recorder collects a flow's events; safe for use from the flow's goroutine.
type recorder struct {
	mu     sync.Mutex
	events []flows.Event
	ready  chan flows.ApprovalURLReady
}

func newRecorder() *recorder { return &recorder{ready: make(chan flows.ApprovalURLReady, 1)} }

func (r *recorder) emit(e flows.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if ready, ok := e.(flows.ApprovalURLReady); ok {
		r.ready <- ready
	}
}

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var kinds []string
	for _, e := range r.events {
		kind := fmt.Sprintf("%T", e)
		if len(kinds) > 0 && kinds[len(kinds)-1] == kind {
			continue // Waiting repeats while polling
		}
		kinds = append(kinds, kind)
	}
	return kinds
}

func (r *recorder) find(kind string) []flows.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var found []flows.Event
	for _, e := range r.events {
		if fmt.Sprintf("%T", e) == kind {
			found = append(found, e)
		}
	}
	return found
}

func startSandbox(t *testing.T, opts ...sandbox.Option) *sandbox.Server {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

func newFlow(t *testing.T, sb *sandbox.Server, change func(*flows.QEXConfig)) *flows.QEXFlow {
	t.Helper()
	client, err := qex.NewClient(sb.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := flows.QEXConfig{
		Client:       client,
		PublicAPIKey: sandbox.DefaultPublicAPIKey,
		Receiver:     flows.Loopback,
		Timeout:      30 * time.Second,
		PollMin:      20 * time.Millisecond,
		PollMax:      100 * time.Millisecond,
	}
	if change != nil {
		change(&cfg)
	}
	return flows.NewQEXFlow(cfg)
}

// userAt returns an OpenBrowser that has a scripted user press decision on
// the approval page, in the background as a real browser would.
func userAt(t *testing.T, decision string, opts testbrowser.Options) (func(string) error, <-chan error) {
	done := make(chan error, 1)
	return func(u string) error {
		go func() {
			_, err := testbrowser.Submit(context.Background(), u, decision, opts)
			done <- err
		}()
		return nil
	}, done
}

func TestApproveEndToEnd(t *testing.T) {
	sb := startSandbox(t)
	open, browserDone := userAt(t, "approve", testbrowser.Options{})
	flow := newFlow(t, sb, func(c *flows.QEXConfig) {
		c.OpenBrowser = open
		c.PollMin, c.PollMax = time.Minute, time.Minute // only the browser's return can be what finishes it
	})
	rec := newRecorder()
	res, err := flow.Run(context.Background(), rec.emit)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browserDone; err != nil {
		t.Fatalf("browser: %v", err)
	}
	want := []string{"flows.SessionCreated", "flows.ApprovalURLReady", "flows.Approved", "flows.BalancesFetched", "flows.WidgetConfigReady"}
	if got := rec.kinds(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if via := rec.find("flows.Approved")[0].(flows.Approved).Via; via != "the browser's return" {
		t.Errorf("approved via %q", via)
	}
	ready := rec.find("flows.ApprovalURLReady")[0].(flows.ApprovalURLReady)
	u, _ := url.Parse(ready.URL)
	if !ready.Opened || u.Query().Get("preferred_action") != "follow_href" || u.Query().Get("return_url") != ready.ReturnURL ||
		!strings.HasPrefix(ready.ReturnURL, "http://127.0.0.1:") {
		t.Errorf("approval URL event %+v", ready)
	}
	cfg := res.WidgetConfig
	if cfg.PublicAPIKey != sandbox.DefaultPublicAPIKey || cfg.ConfigVersion != "1.2" ||
		cfg.Identity.UserSession.SessionID != res.Session.SessionID || cfg.Identity.UserSession.SessionSecret != res.Session.SessionSecret {
		t.Errorf("widget config %+v", cfg)
	}
	if got := res.Accounts.CryptoAccounts[0]; got.Currency != "BTC" || got.CurrencySymbol != "₿" || got.Balance != "0.06" {
		t.Errorf("first account %+v", got)
	}
	for _, e := range rec.events {
		if strings.Contains(e.String(), res.Session.SessionSecret) {
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
	sb := startSandbox(t)
	open, _ := userAt(t, "deny", testbrowser.Options{})
	flow := newFlow(t, sb, func(c *flows.QEXConfig) { c.OpenBrowser = open })
	rec := newRecorder()
	_, err := flow.Run(context.Background(), rec.emit)
	var denied *callback.DeniedError
	if !errors.As(err, &denied) || denied.Code != "access_denied" {
		t.Fatalf("err = %v", err)
	}
	failed := rec.find("flows.Failed")
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
			sb := startSandbox(t)
			open, browserDone := userAt(t, "approve", testbrowser.Options{NoFollow: tc.noFollow})
			flow := newFlow(t, sb, func(c *flows.QEXConfig) {
				c.Receiver = tc.receiver
				c.OpenBrowser = open
			})
			rec := newRecorder()
			res, err := flow.Run(context.Background(), rec.emit)
			if err != nil {
				t.Fatal(err)
			}
			<-browserDone
			if via := rec.find("flows.Approved")[0].(flows.Approved).Via; via != "polling" {
				t.Errorf("approved via %q, want polling", via)
			}
			if len(res.Accounts.All()) == 0 {
				t.Error("no accounts")
			}
			if tc.receiver == nil {
				ready := rec.find("flows.ApprovalURLReady")[0].(flows.ApprovalURLReady)
				if strings.Contains(ready.URL, "return_url") {
					t.Errorf("approval URL has a return_url: %s", ready.URL)
				}
			}
		})
	}
}

func TestPollingBacksOffAndReportsWaiting(t *testing.T) {
	sb := startSandbox(t)
	flow := newFlow(t, sb, func(c *flows.QEXConfig) {
		c.Timeout = 2 * time.Second // four checks need 300 ms; the rest is slack for loaded machines
		c.PollMin, c.PollMax = 20*time.Millisecond, 160*time.Millisecond
	})
	rec := newRecorder()
	_, err := flow.Run(context.Background(), rec.emit)
	if !errors.Is(err, flows.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	waits := rec.find("flows.Waiting")
	if len(waits) < 4 {
		t.Fatalf("%d Waiting events", len(waits))
	}
	var nexts []time.Duration
	for _, w := range waits[:4] {
		nexts = append(nexts, w.(flows.Waiting).Next)
	}
	want := []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond, 160 * time.Millisecond}
	if fmt.Sprint(nexts) != fmt.Sprint(want) {
		t.Errorf("intervals %v, want %v", nexts, want)
	}
	if r := waits[0].(flows.Waiting).Reason; r != "server: Session not authorized: the user has not approved it yet." {
		t.Errorf("reason %q", r)
	}
}

func TestTimeout(t *testing.T) {
	sb := startSandbox(t)
	flow := newFlow(t, sb, func(c *flows.QEXConfig) { c.Timeout = 300 * time.Millisecond })
	rec := newRecorder()
	start := time.Now()
	_, err := flow.Run(context.Background(), rec.emit)
	if !errors.Is(err, flows.ErrTimeout) || err.Error() != "timed out: no approval within 300ms; start again and approve in the browser" {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s to time out", elapsed)
	}
	ready := rec.find("flows.ApprovalURLReady")[0].(flows.ApprovalURLReady)
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(ready.ReturnURL); err == nil {
		resp.Body.Close()
		t.Error("the loopback receiver outlived the timeout")
	}
}

func TestCancel(t *testing.T) {
	sb := startSandbox(t)
	flow := newFlow(t, sb, nil)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := flow.Run(ctx, rec.emit); done <- err }()
	<-rec.ready
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
	sb := startSandbox(t)
	flow := newFlow(t, sb, func(c *flows.QEXConfig) { c.PollMin, c.PollMax = time.Minute, time.Minute })
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { _, err := flow.Run(context.Background(), rec.emit); done <- err }()
	ready := <-rec.ready
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
	if n := len(rec.find("flows.CallbackIgnored")); n != 5 {
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
	sb := startSandbox(t)
	flow := newFlow(t, sb, func(c *flows.QEXConfig) {
		c.Receiver = nil
		c.PollMin, c.PollMax = time.Hour, time.Hour
	})
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { _, err := flow.Run(context.Background(), rec.emit); done <- err }()
	ready := <-rec.ready
	// Approve on "another device": no redirect reaches this machine.
	if _, err := testbrowser.Submit(context.Background(), ready.URL, "approve", testbrowser.Options{}); err != nil {
		t.Fatal(err)
	}
	flow.CheckNow()
	flow.CheckNow() // pressing twice must not block
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("CheckNow did not check")
	}
	if via := rec.find("flows.Approved")[0].(flows.Approved).Via; via != "your check" {
		t.Errorf("approved via %q", via)
	}
}

func TestSessionGoneWhileWaiting(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sb := startSandbox(t, sandbox.WithClock(clock), sandbox.WithSessionTTL(time.Hour))
	flow := newFlow(t, sb, func(c *flows.QEXConfig) { c.Receiver = nil })
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { _, err := flow.Run(context.Background(), rec.emit); done <- err }()
	<-rec.ready
	select {
	case err := <-done:
		t.Fatalf("ended before the session expired: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	mu.Lock()
	now = now.Add(2 * time.Hour) // the session expires while the user dawdles
	mu.Unlock()
	select {
	case err := <-done:
		if !qex.IsNotFound(err) || !strings.HasPrefix(err.Error(), "the session is gone (fetch accounts failed: the server answered HTTP 404") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the flow kept waiting on an expired session")
	}
}

func TestCreateSessionErrorsEndTheFlow(t *testing.T) {
	sb := startSandbox(t)
	flow := newFlow(t, sb, func(c *flows.QEXConfig) { c.PublicAPIKey = "pk_live_not-a-sandbox-key" })
	rec := newRecorder()
	_, err := flow.Run(context.Background(), rec.emit)
	if err == nil || err.Error() != `create session failed: the server refused the public API key (HTTP 401: "This is not a sandbox key: the sandbox accepts only pk_sandbox_ keys."); check --public-api-key or the key field` || !qex.IsUnauthorized(err) {
		t.Errorf("err = %v", err)
	}
	if kinds := rec.kinds(); len(kinds) != 1 || kinds[0] != "flows.Failed" {
		t.Errorf("events %v", kinds)
	}
}
