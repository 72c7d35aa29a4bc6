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

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/chromium"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
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
func (e *events) refuse(m msg.Message) {
	e.mu.Lock()
	e.refused = append(e.refused, m.String())
	e.mu.Unlock()
}

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
	sess, err := client.CreateSession(context.Background(), qexsandbox.DefaultPublicAPIKey)
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
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	r := &rig{sb: sb, sess: approvedSession(t, sb), ev: &events{}}
	r.cfg = widgetcfg.Presets["Buy crypto with card"](qexsandbox.DefaultPublicAPIKey)
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
		chromedp.Navigate(r.host.LaunchURL()),
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
	checkDeclined(t, r)
}

// The sandbox's card-declined scenario: even the approving test card is
// declined, with the documented failure meta.
func TestScenarioCardDeclined(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	r.sb.Scenarios().Set(scenario.CardDeclined)
	buy(t, ctx, r, "4242 4242 4242 4242")
	checkDeclined(t, r)
	do(t, ctx, chromedp.WaitVisible(`//p[contains(., "The payment failed: the card was declined.")]`))
}

// checkDeclined waits for the widget to end on outcome, and checks it got
// there through a declined transaction and a failure step with the
// documented meta.
func checkDeclined(t *testing.T, r *rig) {
	t.Helper()
	r.ev.waitFor(t, "step_transition", "failure → outcome")
	failed := false
	for _, ev := range r.ev.snapshot() {
		if ev.Name == "transaction_created" && decode(t, ev)["status"] != "DECLINED" {
			t.Errorf("transaction %s", ev.Data)
		}
		if ev.Name == "step_transition" && ev.Summary() == "verifying → failure" {
			var d struct {
				Meta []map[string]any `json:"meta"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil || len(d.Meta) != 1 {
				t.Fatalf("failure meta: %s", ev.Data)
			}
			hasKeys(t, "failure meta", d.Meta[0], "severity", "code", "message", "context", "trigger")
			if d.Meta[0]["code"] != "CARD_DECLINED" || d.Meta[0]["severity"] != "error" {
				t.Errorf("meta %v", d.Meta[0])
			}
			failed = true
		}
	}
	if !failed {
		t.Fatalf("no verifying → failure: %s", r.ev.names())
	}
}

// The sandbox's quote-expired scenario (seed 000's Expired Quote
// Handling): the quote's validity counts down on the funding step; when it
// runs out the widget says so, goes back to quoting and requotes.
func TestScenarioQuoteExpired(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	r.sb.Scenarios().Set(scenario.QuoteExpired)
	do(t, ctx,
		chromedp.Navigate(r.host.LaunchURL()),
		chromedp.WaitVisible(`//div[contains(., "Signed in as Sandy Box")]`),
		chromedp.Click(`[data-qx="continue"]`),
		chromedp.WaitVisible(`//p[@id="qx-validity" and contains(., "Quote valid for")]`),
	)
	r.ev.waitFor(t, "step_transition", "funding → quoting")
	r.ev.waitFor(t, "step_transition", "quoting → funding")
	do(t, ctx, chromedp.WaitVisible(`//p[contains(., "The quote expired after 10 s: here is a new one.")]`),
		chromedp.WaitVisible(`//p[@id="qx-validity" and contains(., "Quote valid for")]`))
	var steps []string
	for _, ev := range r.ev.snapshot() {
		if ev.Name == "step_transition" {
			steps = append(steps, ev.Summary())
		}
	}
	if want := "null → quoting, quoting → funding, funding → quoting, quoting → funding"; strings.Join(steps, ", ") != want {
		t.Errorf("steps\n got %s\nwant %s", strings.Join(steps, ", "), want)
	}
}

func TestStylesAndLockedSettlementsRender(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	do(t, ctx, chromedp.Navigate(r.host.LaunchURL()), chromedp.WaitVisible(`[data-qx="continue"]`))
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

// Markup in the configuration reaches the page as text: neither the host
// page nor the widget puts configuration values into HTML.
func TestMarkupInTheConfigIsShownAsText(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	markup := `<img src=x onerror="window.injected=1">`
	r := newRig(t, func(c *widgetcfg.Config) {
		c.PayoutDefault.CurrencyOptions = []string{markup, "BTC"}
		c.PartnerRef = "<script>window.injected=1</script>"
	})
	do(t, ctx, chromedp.Navigate(r.host.LaunchURL()), chromedp.WaitVisible(`[data-qx="continue"]`))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		document.querySelector("#qx-payout-currency option").textContent,
		String(document.querySelectorAll("img, #qex-widget script").length),
		String(window.injected)]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{markup, "0", "undefined"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("option text, injected elements, injected script = %q, want %q", got, want)
	}
}

func TestBadIdentityShowsAnError(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, func(c *widgetcfg.Config) { c.Identity.UserSession.SessionSecret = "wrong" })
	do(t, ctx, chromedp.Navigate(r.host.LaunchURL()), chromedp.WaitVisible(`//p[contains(., "The session cannot be used")]`))
	r.ev.waitFor(t, "ERROR", "IDENTITY_INVALID: The session cannot be used: The session secret does not match the session.")
}

func TestHostedPageVariant(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	cfg, _ := json.Marshal(r.cfg)
	do(t, ctx, chromedp.Navigate(r.host.HostedLaunchURL()), chromedp.WaitVisible(`#host-status`))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`window.seen = []; window.onWidgetEvent(function (e) { window.seen.push(e.event); }); window.initializeWidget(`+string(cfg)+`); 0`)); err != nil {
		t.Fatal(err)
	}
	r.ev.waitFor(t, "step_transition", "null → quoting")
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.seen`))
	if err != nil || len(seen) == 0 || seen[0] != "step_transition" {
		t.Errorf("the app's onWidgetEvent saw %v (%v)", seen, err)
	}
}

// TestReloadAsksToOpenAgain: the launch nonce leaves the address bar, and
// neither a reload nor the same link opened again gets the configuration.
func TestReloadAsksToOpenAgain(t *testing.T) {
	ctx := chromium.NewContext(t, 90*time.Second)
	r := newRig(t, nil)
	link := r.host.LaunchURL()
	do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(`[data-qx="continue"]`))
	addr, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil || strings.Contains(addr, "launch") {
		t.Errorf("address bar after launch: %q (%v)", addr, err)
	}
	again := `//p[@id="host-status" and contains(., "open the widget from QEX Companion again")]`
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(again))
	do(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(link), chromedp.WaitVisible(again))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-qx]").length`)); err != nil || n != 0 {
		t.Errorf("the widget started without a launch: %d elements (%v)", n, err)
	}
}

// client is a local process talking to the host the way an attacker could:
// any method, path, headers and body it likes.
type client struct {
	t      *testing.T
	origin string // http://127.0.0.1:PORT
}

func (c client) send(method, path, body string, headers ...string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.origin+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(got)
}

// launch does what the page's script does with a launch link: posts its
// nonce, from the page's origin, and returns the answer.
func (c client) launch(link string) (int, string) {
	c.t.Helper()
	_, nonce, ok := strings.Cut(link, "#launch=")
	if !ok {
		c.t.Fatalf("no launch nonce in %q", link)
	}
	return c.send("POST", "/launch", `{"launch":"`+nonce+`"}`, "Origin", c.origin)
}

func TestOnlyTheLaunchedPageMayTalkToTheHost(t *testing.T) {
	r := newRig(t, nil)
	link := r.host.LaunchURL()
	origin, _, _ := strings.Cut(link, "/#launch=")
	c := client{t, origin}
	secret := r.sess.SessionSecret

	// Any local process may fetch the pages: they hold nothing secret.
	_, page := c.send("GET", "/", "")
	_, hosted := c.send("GET", "/hosted", "")
	_, script := c.send("GET", "/host.js", "")

	// The launch link, spent once, gives the token; the token the config.
	code, body := c.launch(link)
	var got struct{ Token string }
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Token) != 64 {
		t.Fatalf("launch: HTTP %d %q", code, body)
	}
	token := got.Token
	for name, body := range map[string]string{"page": page, "hosted page": hosted, "host.js": script} {
		if strings.Contains(body, token) || strings.Contains(body, secret) {
			t.Errorf("the %s fetched without a launch holds the token or secret", name)
		}
	}
	resp, err := http.Get(origin + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self' "+r.sb.URL+";") {
		t.Errorf("CSP %q", csp)
	}
	if code, body := c.send("GET", "/config", "", "Authorization", "Bearer "+token); code != 200 || !strings.Contains(body, secret) {
		t.Errorf("the launched page's config: HTTP %d", code)
	}

	event := `{"event":"step_transition","data":{"new_step":"success","old_step":"verifying"}}`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		want                     int
	}{
		{"the same link again", "POST", "/launch", `{"launch":"` + strings.Split(link, "#launch=")[1] + `"}`, []string{"Origin", origin}, 403},
		{"a made-up link", "POST", "/launch", `{"launch":"` + strings.Repeat("ab", 32) + `"}`, []string{"Origin", origin}, 403},
		{"a launch with no body", "POST", "/launch", ``, []string{"Origin", origin}, 403},
		{"an oversize launch", "POST", "/launch", `{"launch":"` + strings.Repeat("a", 4<<10) + `"}`, []string{"Origin", origin}, 413},
		{"config without token", "GET", "/config", "", nil, 403},
		{"config with a wrong token", "GET", "/config", "", []string{"Authorization", "Bearer " + strings.Repeat("0", 64)}, 403},
		{"config with the token from another origin", "GET", "/config", "", []string{"Authorization", "Bearer " + token, "Origin", "http://evil.example"}, 403},
		{"event with a hand-set origin, no token", "POST", "/events", event, []string{"Origin", origin}, 403},
		{"event with a hand-set origin, a wrong token", "POST", "/events", event, []string{"Origin", origin, "Authorization", "Bearer " + strings.Repeat("0", 64)}, 403},
		{"event from another origin", "POST", "/events", event, []string{"Origin", "http://evil.example", "Authorization", "Bearer " + token}, 403},
		{"event with no origin", "POST", "/events", event, []string{"Authorization", "Bearer " + token}, 403},
		{"malformed event", "POST", "/events", `{"event":""}`, []string{"Origin", origin, "Authorization", "Bearer " + token}, 400},
		{"oversize event", "POST", "/events", `{"event":"ERROR","data":"` + strings.Repeat("a", 64<<10) + `"}`, []string{"Origin", origin, "Authorization", "Bearer " + token}, 413},
		{"rebinding host", "GET", "/config", "", []string{"Authorization", "Bearer " + token, "Host", "evil.example:80"}, 421},
	}
	for _, tc := range cases {
		code, body := c.send(tc.method, tc.path, tc.body, tc.headers...)
		if code != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, code, tc.want)
		}
		if strings.Contains(body, secret) || strings.Contains(body, token) {
			t.Errorf("%s: the answer holds the secret or token", tc.name)
		}
	}
	if n := len(r.ev.snapshot()); n != 0 {
		t.Errorf("forged events relayed: %s", r.ev.names())
	}
	if len(r.ev.refused) != len(cases) {
		t.Errorf("%d refusals reported, want %d: %q", len(r.ev.refused), len(cases), r.ev.refused)
	}

	if code, _ := c.send("POST", "/events", event, "Origin", origin, "Authorization", "Bearer "+token); code != 204 {
		t.Errorf("the launched page's event: HTTP %d", code)
	}
	r.ev.waitFor(t, "step_transition", "verifying → success")
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

// The sandbox's widget speaks the browser's language when the
// configuration names none, and the configuration's user_locale otherwise;
// the host page around it, the browser's.
func TestWidgetFollowsTheBrowsersLanguage(t *testing.T) {
	for _, c := range []struct {
		name, browser, locale string
		widget, page          string // what the widget and the host page's status line say
	}{
		{"Japanese browser, no locale", "ja,en;q=0.8", "", "ゲストとして購入", "ステップ：開始 → quoting"},
		{"English browser, no locale", "en-US", "", "Guest checkout", "Step: start → quoting"},
		{"English browser, ja locale", "en-US", "ja", "ゲストとして購入", "Step: start → quoting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := chromium.NewContextIn(t, 90*time.Second, c.browser)
			r := newRig(t, func(cfg *widgetcfg.Config) { cfg.UserLocale = c.locale; cfg.Identity = nil })
			do(t, ctx, chromedp.Navigate(r.host.LaunchURL()), chromedp.WaitVisible(`//div[contains(., "`+c.widget+`")]`),
				chromedp.WaitVisible(`//p[@id="host-status" and contains(., "`+c.page+`")]`))
		})
	}
}
