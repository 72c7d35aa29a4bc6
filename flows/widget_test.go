package flows_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/qex"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

func TestEngineServesTheWidget(t *testing.T) {
	r := newResumeRig(t, false)
	if _, err := r.engine.ServeWidget(widgetcfg.Config{}, func(flows.Event) {}); err == nil {
		t.Error("served a widget before connecting")
	}
	res, _ := r.run(t, sandboxTarget)
	emit, events := flowtest.Collect()
	cfg := res.Widget.Config
	url, err := r.engine.ServeWidget(cfg, emit)
	if err != nil {
		t.Fatal(err)
	}
	defer r.engine.Close()
	page, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), `src="`+r.sb.URL+`/static/liquid-qex-widget/index.umd.js"`) {
		t.Errorf("the page does not load the sandbox's widget:\n%s", body)
	}
	// The page spends its link's launch nonce for the token and relays an
	// event; the engine reports it.
	pageURL, nonce, _ := strings.Cut(url, "#launch=")
	origin := strings.TrimSuffix(pageURL, "/")
	req, _ := http.NewRequest("POST", origin+"/launch", strings.NewReader(`{"launch":"`+nonce+`"}`))
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("launching: %v %v", resp, err)
	}
	var launched struct{ Token string }
	json.NewDecoder(io.LimitReader(resp.Body, 1<<10)).Decode(&launched) //nolint:errcheck // an empty token fails below
	resp.Body.Close()
	req, _ = http.NewRequest("POST", origin+"/events", strings.NewReader(`{"event":"step_transition","data":{"new_step":"quoting","old_step":null}}`))
	req.Header.Set("Authorization", "Bearer "+launched.Token)
	req.Header.Set("Origin", origin)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("posting an event: %v %v", resp, err)
	}
	if e := flowtest.Until[flows.WidgetEvent](t, events); e.Summary() != "null → quoting" {
		t.Errorf("event %v", e)
	}
	// A second call shows the newest configuration on the same page, through
	// a new one-time link.
	cfg.Theme = "dark"
	again, _ := r.engine.ServeWidget(cfg, emit)
	if samePage, nonceAgain, _ := strings.Cut(again, "#launch="); samePage != pageURL || nonceAgain == nonce {
		t.Errorf("a second call gave %s after %s: want the same page, a new link", again, url)
	}
}

// TestWidgetHostReadyHidesTheLaunchNonce: what the inspector logs names the
// page, never the one-time link that is a credential until spent.
func TestWidgetHostReadyHidesTheLaunchNonce(t *testing.T) {
	link := "http://127.0.0.1:40999/#launch=" + strings.Repeat("ab", 32)
	for _, e := range []flows.WidgetHostReady{{URL: link}, {URL: link, OpenErr: errors.New("no browser")}} {
		if s := e.String(); strings.Contains(s, "launch") || !strings.Contains(s, "http://127.0.0.1:40999/") {
			t.Errorf("%q", s)
		}
	}
}

// After connecting to another server, the widget page is a new one, with
// that server's script and environment.
func TestWidgetPageFollowsTheConnectedServer(t *testing.T) {
	r := newResumeRig(t, false)
	defer r.engine.Close()
	res, _ := r.run(t, sandboxTarget)
	first, err := r.engine.ServeWidget(res.Widget.Config, func(flows.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	other := flowtest.StartSandbox(t)
	custom := flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: other.URL, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}}
	res, _ = r.run(t, custom)
	second, err := r.engine.ServeWidget(res.Widget.Config, func(flows.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	page := func(link string) string {
		t.Helper()
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if body := page(second); !strings.Contains(body, `src="`+other.URL+`/static/liquid-qex-widget/index.umd.js"`) || !strings.Contains(body, "CUSTOM") {
		t.Errorf("after reconnecting to %s the page is:\n%s", other.URL, body)
	}
	firstPage, _, _ := strings.Cut(first, "#")
	if resp, err := http.Get(firstPage); err == nil {
		resp.Body.Close()
		t.Errorf("the old server's page still answers (HTTP %d)", resp.StatusCode)
	}
}
