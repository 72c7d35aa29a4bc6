package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/widgetcfg/host"
)

func widgetEvent(name, data string) flows.Event {
	return flows.WidgetEvent{Event: host.Event{At: fixedTime, Name: name, Data: json.RawMessage(data)}}
}

func TestEventsPanelShowsWidgetEvents(t *testing.T) {
	ui := newUIThread()
	engine := &scriptedEngine{events: scriptedFlow(6), widget: []flows.Event{
		flows.WidgetHostReady{URL: "http://127.0.0.1:40999/"},
		widgetEvent("step_transition", `{"new_step":"quoting","old_step":null,"formPercent":25,"meta":null}`),
		widgetEvent("ui_event", `{"ui_event":"button_clicked","value":"continue","target":"quote"}`),
		widgetEvent("step_transition", `{"new_step":"verifying","old_step":"funding","formPercent":75,"meta":{"transaction_id":"tx-1"}}`),
	}}
	m := NewMainWindow(test.NewTempApp(t), engine, Options{AutoConnect: true, Do: ui.do, Now: func() time.Time { return fixedTime },
		Target: flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{"public-api-key": "pk_sandbox_12345678"}}})
	ui.waitFor(t, "the flow", func() bool { return m.config.cfg.PublicAPIKey != "" })
	test.Tap(findButton(t, m.config.body, "Open widget"))
	ui.waitFor(t, "the widget events", func() bool { return len(m.inspector.widget) == 3 })

	var lines []string
	for _, e := range m.inspector.widget {
		lines = append(lines, widgetLine(e))
	}
	want := []string{
		"09:41:02.000  step_transition  null → quoting",
		"09:41:02.000  ui_event  button_clicked continue",
		"09:41:02.000  step_transition  funding → verifying",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("events panel\n got %q\nwant %q", lines, want)
	}
	if m.inspector.widgetTab.Text != "Widget (3)" {
		t.Errorf("tab %q", m.inspector.widgetTab.Text)
	}
	m.inspector.widgetList.Select(2)
	if !strings.Contains(m.inspector.widgetJSON.Text, `"transaction_id": "tx-1"`) {
		t.Errorf("expanded JSON:\n%s", m.inspector.widgetJSON.Text)
	}
	if !strings.Contains(m.config.notice.Text, "http://127.0.0.1:40999/") {
		t.Errorf("notice %q", m.config.notice.Text)
	}
}
