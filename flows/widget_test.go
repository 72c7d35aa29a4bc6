package flows_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

func TestEngineServesTheWidget(t *testing.T) {
	r := newResumeRig(t, false)
	if _, err := r.engine.ServeWidget(widgetcfg.Config{}, func(flows.Event) {}); err == nil {
		t.Error("served a widget before connecting")
	}
	res, _ := r.run(t, sandboxTarget)
	emit, events := collect()
	url, err := r.engine.ServeWidget(res.WidgetConfig, emit)
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
	// The page relays an event; the engine reports it.
	token := strings.Split(strings.Split(string(body), `name="qex-host-token" content="`)[1], `"`)[0]
	req, _ := http.NewRequest("POST", url+"events", strings.NewReader(`{"event":"step_transition","data":{"new_step":"quoting","old_step":null}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", strings.TrimSuffix(url, "/"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("posting an event: %v %v", resp, err)
	}
	if e := until[flows.WidgetEvent](t, events); e.Summary() != "null → quoting" {
		t.Errorf("event %v", e)
	}
	// A second call shows the newest configuration on the same page.
	res.WidgetConfig.Theme = "dark"
	again, _ := r.engine.ServeWidget(res.WidgetConfig, emit)
	if again != url {
		t.Errorf("a second page: %s", again)
	}
}
