package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/chromium"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
	"github.com/qexcompanion/qex-companion/sandbox"
	"github.com/qexcompanion/qex-companion/widgetcfg"
	"github.com/qexcompanion/qex-companion/widgetcfg/host"
)

// events collects what the host relays.
type events struct {
	mu      sync.Mutex
	list    []host.Event
	refused []string
}

func (e *events) add(ev host.Event) { e.mu.Lock(); e.list = append(e.list, ev); e.mu.Unlock() }
func (e *events) refuse(s string)   { e.mu.Lock(); e.refused = append(e.refused, s); e.mu.Unlock() }

func (e *events) snapshot() []host.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]host.Event(nil), e.list...)
}

// waitFor waits until some event's summary is want.
func (e *events) waitFor(t *testing.T, name, summary string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range e.snapshot() {
			if ev.Name == name && ev.Summary() == summary {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s %q; got %s", name, summary, e.names())
}

func (e *events) names() string {
	var s []string
	for _, ev := range e.snapshot() {
		s = append(s, ev.Name+"("+ev.Summary()+")")
	}
	return strings.Join(s, ", ")
}

// approvedSession is a sandbox session the user approved.
func approvedSession(t *testing.T, sb *sandbox.Server) *qex.Session {
	t.Helper()
	client, _ := qex.NewClient(sb.URL)
	sess, err := client.CreateSession(context.Background(), sandbox.DefaultPublicAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testbrowser.Submit(context.Background(), client.ApprovalURL(sess.SessionID, ""), "approve", testbrowser.Options{}); err != nil {
		t.Fatal(err)
	}
	return sess
}

type rig struct {
	sb   *sandbox.Server
	sess *qex.Session
	ev   *events
	host *host.Host
	cfg  widgetcfg.Config
}

func newRig(t *testing.T, change func(*widgetcfg.Config)) *rig {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	r := &rig{sb: sb, sess: approvedSession(t, sb), ev: &events{}}
	r.cfg = widgetcfg.Presets["Buy crypto with card"](sandbox.DefaultPublicAPIKey)
	r.cfg.Identity = widgetcfg.ForSession("", r.sess.SessionID, r.sess.SessionSecret).Identity
	r.cfg.CustomStyles = map[string]widgetcfg.Style{"cs-button": {"background": "#28646e", "color": "#9cefe1"}}
	if change != nil {
		change(&r.cfg)
	}
	h, err := host.Start(host.Options{
		ScriptURL: sb.URL + host.ScriptPath, Environment: "SANDBOX",
		Config: func() widgetcfg.Config { return r.cfg }, OnEvent: r.ev.add, OnRefused: r.ev.refuse,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	r.host = h
	return r
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// buy walks the widget through a card purchase.
func buy(t *testing.T, ctx context.Context, r *rig, card string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(r.host.URL()),
		chromedp.WaitVisible(`//div[contains(., "Signed in as Sandy Box")]`),
		chromedp.Click(`[data-qx="continue"]`),
		chromedp.WaitVisible(`#qx-card`),
		chromedp.SendKeys(`#qx-card`, card),
		chromedp.Click(`[data-qx="pay"]`),
	)
}

func decode(t *testing.T, ev host.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Data, &m); err != nil {
		t.Fatalf("%s data is not an object: %s", ev.Name, ev.Data)
	}
	return m
}

func hasKeys(t *testing.T, name string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", name, k, m)
		}
	}
}

func TestCardPurchaseReachesSuccess(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	buy(t, ctx, r, "4242 4242 4242 4242")
	do(t, ctx, chromedp.WaitVisible(`//p[contains(., "Payment complete")]`))
	r.ev.waitFor(t, "step_transition", "verifying → success")

	var steps []string
	var seen []string
	for _, ev := range r.ev.snapshot() {
		if ev.Name != "suggested_size" {
			seen = append(seen, ev.Name)
		}
		switch ev.Name {
		case "step_transition":
			steps = append(steps, ev.Summary())
			hasKeys(t, ev.Name, decode(t, ev), "new_step", "old_step", "formPercent", "meta")
		case "suggested_size":
			hasKeys(t, ev.Name, decode(t, ev), "backgroundHeight", "overflowHeight")
		case "ui_event":
			m := decode(t, ev)
			hasKeys(t, ev.Name, m, "ui_event", "value", "target")
			if m["ui_event"] != "button_clicked" {
				t.Errorf("ui_event %v", m)
			}
		case "transaction_created":
			m := decode(t, ev)
			hasKeys(t, ev.Name, m, "transaction_id", "session_id", "status", "funding_settlement", "payout_settlement", "quote", "_links")
			if m["session_id"] != r.sess.SessionID || m["status"] != "SETTLED" {
				t.Errorf("transaction %v", m)
			}
			hasKeys(t, "quote", m["quote"].(map[string]any), "quote_id", "status")
		}
	}
	wantSteps := "null → quoting, quoting → funding, funding → verifying, verifying → success"
	if strings.Join(steps, ", ") != wantSteps {
		t.Errorf("steps\n got %s\nwant %s", strings.Join(steps, ", "), wantSteps)
	}
	wantOrder := "step_transition ui_event step_transition ui_event transaction_created step_transition step_transition"
	if strings.Join(seen, " ") != wantOrder {
		t.Errorf("events in order\n got %s\nwant %s", strings.Join(seen, " "), wantOrder)
	}

	if len(r.ev.refused) != 0 {
		t.Errorf("the page's own requests were refused: %v", r.ev.refused)
	}
}

func TestDeclinedCardReachesFailure(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	buy(t, ctx, r, "4000 0000 0000 0002")
	r.ev.waitFor(t, "step_transition", "failure → outcome")
	for _, ev := range r.ev.snapshot() {
		if ev.Name == "step_transition" && ev.Summary() == "verifying → failure" {
			var d struct {
				Meta []map[string]any `json:"meta"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil || len(d.Meta) == 0 {
				t.Fatalf("failure meta: %s", ev.Data)
			}
			hasKeys(t, "failure meta", d.Meta[0], "severity", "code", "message", "context", "trigger")
			if d.Meta[0]["code"] != "CARD_DECLINED" {
				t.Errorf("meta %v", d.Meta[0])
			}
			return
		}
	}
	t.Fatalf("no verifying → failure: %s", r.ev.names())
}

func TestStylesAndLockedSettlementsRender(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	do(t, ctx, chromedp.Navigate(r.host.URL()), chromedp.WaitVisible(`[data-qx="continue"]`))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		getComputedStyle(document.querySelector(".qx-button")).backgroundColor,
		String(document.querySelector("#qx-funding-quantity").value),
		String(document.querySelector("#qx-funding-currency").disabled)]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"rgb(40, 100, 110)", "100", "true"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("button background, funding quantity, locked = %v, want %v", got, want)
	}
}

func TestBadIdentityShowsAnError(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, func(c *widgetcfg.Config) { c.Identity.UserSession.SessionSecret = "wrong" })
	do(t, ctx, chromedp.Navigate(r.host.URL()), chromedp.WaitVisible(`//p[contains(., "The session cannot be used")]`))
	r.ev.waitFor(t, "ERROR", "IDENTITY_INVALID: The session cannot be used: The session secret does not match the session.")
}

func TestHostedPageVariant(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	cfg, _ := json.Marshal(r.cfg)
	do(t, ctx, chromedp.Navigate(r.host.HostedURL()), chromedp.WaitVisible(`#host-status`))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`window.seen = []; window.onWidgetEvent(function (e) { window.seen.push(e.event); }); window.initializeWidget(`+string(cfg)+`); 0`)); err != nil {
		t.Fatal(err)
	}
	r.ev.waitFor(t, "step_transition", "null → quoting")
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.seen`))
	if err != nil || len(seen) == 0 || seen[0] != "step_transition" {
		t.Errorf("the app's onWidgetEvent saw %v (%v)", seen, err)
	}
}

func TestOnlyThePageMayTalkToTheHost(t *testing.T) {
	r := newRig(t, nil)
	page, _ := http.Get(r.host.URL())
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if strings.Contains(string(body), r.sess.SessionSecret) || strings.Contains(page.Request.URL.String(), r.sess.SessionSecret) {
		t.Fatal("the secret is in the page or its URL")
	}
	csp := page.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self' "+r.sb.URL+";") {
		t.Errorf("CSP %q", csp)
	}
	token := strings.Split(strings.Split(string(body), `name="qex-host-token" content="`)[1], `"`)[0]
	origin := strings.TrimSuffix(r.host.URL(), "/")

	send := func(method, path, token, from, host, body string) int {
		req, _ := http.NewRequest(method, origin+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if from != "" {
			req.Header.Set("Origin", from)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	event := `{"event":"step_transition","data":{"new_step":"success","old_step":"verifying"}}`
	cases := []struct {
		name                           string
		method, path, token, from, hdr string
		body                           string
		want                           int
	}{
		{"config without token", "GET", "/config", "", "", "", "", 401},
		{"event without token", "POST", "/events", "", origin, "", event, 401},
		{"event from another origin", "POST", "/events", token, "http://evil.example", "", event, 403},
		{"event with no origin", "POST", "/events", token, "", "", event, 403},
		{"malformed event", "POST", "/events", token, origin, "", `{"event":""}`, 400},
		{"rebinding host", "GET", "/config", token, "", "evil.example:80", "", 421},
		{"the page's own event", "POST", "/events", token, origin, "", event, 204},
	}
	for _, c := range cases {
		if got := send(c.method, c.path, c.token, c.from, c.hdr, c.body); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", c.name, got, c.want)
		}
	}
	if n := len(r.ev.snapshot()); n != 1 {
		t.Errorf("%d events accepted, want only the page's one", n)
	}
	if len(r.ev.refused) != 6 {
		t.Errorf("refusals reported: %q", r.ev.refused)
	}
}

func TestEventLines(t *testing.T) {
	e := host.Event{Name: "step_transition", Data: json.RawMessage(`{"new_step":"verifying","old_step":"funding","formPercent":75,"meta":null}`)}
	if e.Summary() != "funding → verifying" {
		t.Errorf("summary %q", e.Summary())
	}
	if string(e.Line()) != `{"event":"step_transition","data":{"new_step":"verifying","old_step":"funding","formPercent":75,"meta":null}}`+"\n" {
		t.Errorf("line %s", e.Line())
	}
}
