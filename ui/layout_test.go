package ui

import (
	"context"
	"fmt"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// scriptedEngine answers Connect with a fixed list of events, so layouts can
// be compared run after run.
type scriptedEngine struct {
	events []flows.Event
	saved  []flows.SavedSession
	widget []flows.Event
}

type idleConnection struct{}

func (idleConnection) CheckNow() {}
func (idleConnection) Cancel()   {}

func (s *scriptedEngine) Connect(_ flows.Target, emit func(flows.Event)) flows.Connection {
	for _, e := range s.events {
		emit(e)
	}
	return idleConnection{}
}
func (s *scriptedEngine) Refresh(func(flows.Event))      {}
func (s *scriptedEngine) Check(flows.Target) error       { return nil }
func (s *scriptedEngine) RefreshToken(func(flows.Event)) {}
func (s *scriptedEngine) Call(context.Context, string, string, []byte) (*flows.CallResponse, error) {
	return &flows.CallResponse{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"crypto_accounts": [], "fiat_accounts": []}`), Latency: 12 * time.Millisecond}, nil
}
func (s *scriptedEngine) RememberedInputs(string) flows.Inputs                 { return nil }
func (s *scriptedEngine) RememberInputs(flows.Target, bool, func(flows.Event)) {}
func (s *scriptedEngine) Providers() []flows.ProviderInfo                      { return testProviders }

// testProviders are the real providers' descriptions, so the layouts show
// what people see.
var testProviders = []flows.ProviderInfo{qex.Provider{}.Info(), liquid.Provider{}.Info()}

func (s *scriptedEngine) OpenURL(string) error                       { return nil }
func (s *scriptedEngine) SignOut(emit func(flows.Event))             { emit(flows.SignedOut{}) }
func (s *scriptedEngine) SavedSessions() []flows.SavedSession        { return s.saved }
func (s *scriptedEngine) Forget(flows.SessionKey, func(flows.Event)) {}
func (s *scriptedEngine) OpenWidget(_ widgetcfg.Config, emit func(flows.Event)) {
	for _, e := range s.widget {
		emit(e)
	}
}

var fixedTime = time.Date(2026, 11, 22, 9, 41, 2, 0, time.UTC)

func scriptedFlow(upTo int) []flows.Event {
	approval := "http://127.0.0.1:40123/api/v1/session/3f1c2a7e-2b9d-4e60-8c41-9a7d3e2f1b08/liquid_oauth?preferred_action=follow_href&return_url=http%3A%2F%2F127.0.0.1%3A40124%2Fcallback%3Fstate%3DW92MrNwV3TSFSbk4BM3jYHEZNoQaKDAUqMCILiQmK2I"
	accounts := &flows.Balances{Accounts: []flows.Account{
		{Currency: "BTC", Symbol: "₿", Balance: "0.06", Reserved: "0.0", Type: "crypto"},
		{Currency: "ETH", Symbol: "Ξ", Balance: "12.345678901234567891", Reserved: "0.5", Type: "crypto"},
		{Currency: "QASH", Symbol: "Q", Balance: "98765432.10", Reserved: "1234.5", Type: "crypto"},
		{Currency: "USD", Symbol: "$", Balance: "0.00726", Reserved: "0.0", Type: "fiat"},
		{Currency: "JPY", Symbol: "¥", Balance: "1234567", Reserved: "", Type: "fiat"},
	},
	}
	events := []flows.Event{
		flows.HTTPExchange{Start: fixedTime, Method: "POST", URL: "http://127.0.0.1:40123/api/v1/session", Path: "/api/v1/session", Status: 200, Latency: 12 * time.Millisecond,
			RequestBody: `{"public_api_key": "pk_sandbox_5f3c1a7e"}`, ResponseBody: `{"payload": {"session_secret": "[redacted]"}}`},
		flows.Started{What: msg.ThingSession, ID: "3f1c2a7e-2b9d-4e60-8c41-9a7d3e2f1b08", Environment: "SANDBOX"},
		flows.ApprovalURLReady{URL: approval, Opened: true},
		flows.Approved{Via: msg.ViaReturn},
		flows.BalancesFetched{Balances: accounts, At: fixedTime},
		flows.ResultReady{Result: &flows.Result{Provider: "qex", Balances: accounts, Widget: &flows.Widget{
			Config: widgetcfg.ForSession("pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08", "3f1c2a7e-2b9d-4e60-8c41-9a7d3e2f1b08", "not-a-real-secret")}}},
	}
	return events[:upTo]
}

// variant forces the light or dark variant of the default theme.
type variant struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

func TestLayouts(t *testing.T) {
	sizes := []fyne.Size{{Width: 1024, Height: 700}, {Width: 360, Height: 740}}
	themes := map[string]fyne.ThemeVariant{"light": theme.VariantLight, "dark": theme.VariantDark}
	steps := []struct {
		name  string
		upTo  int
		after func(m *MainWindow)
	}{
		{"connect", 0, nil},
		{"approve", 3, nil},
		{"balances", 6, nil},
		{"config", 6, func(m *MainWindow) { m.show(m.config) }},
		{"editor", 6, func(m *MainWindow) { m.tabs.SelectIndex(1) }},
		{"inspector", 6, func(m *MainWindow) { m.tabs.SelectIndex(2); m.inspector.httpList.Select(0) }},
		{"console", 6, func(m *MainWindow) {
			m.tabs.SelectIndex(3)
			m.console.path.SetText("/api/v1/session/{session_id}/accounts")
			m.console.answered("GET", m.console.path.Text, "", &flows.CallResponse{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"success": true, "payload": {"crypto_accounts": [], "fiat_accounts": []}}`), Latency: 12 * time.Millisecond}, nil)
		}},
	}
	for _, size := range sizes {
		for themeName, v := range themes {
			for _, st := range steps {
				name := fmt.Sprintf("%s_%.0fx%.0f_%s", st.name, size.Width, size.Height, themeName)
				t.Run(name, func(t *testing.T) {
					a := test.NewTempApp(t)
					a.Settings().SetTheme(variant{theme.DefaultTheme(), v})
					ui := newUIThread()
					engine := &scriptedEngine{events: scriptedFlow(st.upTo), saved: []flows.SavedSession{
						{SessionKey: flows.SessionKey{Provider: "qex", Env: flows.EnvSandbox, APIBase: flows.EmbeddedAPIBase, Account: "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"},
							Created: fixedTime.Add(-26 * time.Hour), LastUsed: fixedTime.Add(-time.Hour)},
						{SessionKey: flows.SessionKey{Provider: "qex", Env: flows.EnvProduction, APIBase: "https://partners.liquid.com", Account: "pk_live_0a1b2c3d"},
							Created: fixedTime.Add(-72 * time.Hour), LastUsed: fixedTime.Add(-48 * time.Hour)},
					}}
					m := NewMainWindow(a, engine, Options{
						Target:      flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"}},
						AutoConnect: st.upTo > 0,
						Do:          ui.do,
						Now:         func() time.Time { return fixedTime },
					})
					ui.waitFor(t, "the scripted events", func() bool { return len(ui.queue) == 0 })
					if st.after != nil {
						st.after(m)
					}
					w := m.Window()
					w.Resize(size)
					w.Content().Refresh() // a second pass, as the next frame would do

					if min := w.Content().MinSize(); min.Width > size.Width {
						t.Errorf("content needs %.0f px of width; the window has %.0f", min.Width, size.Width)
					}
					assertNothingCutOff(t, w.Canvas(), size)
					test.AssertRendersToMarkup(t, "layout/"+name+".xml", w.Canvas())
					savePNG(t, name, w.Canvas())
					m.approve.elapsing.Stop()
				})
			}
		}
	}
}

// assertNothingCutOff fails when a visible object reaches past the window's
// right or bottom edge outside a scrolling region, or is drawn narrower
// than it needs (a clipped label or button).
func assertNothingCutOff(t *testing.T, c fyne.Canvas, size fyne.Size) {
	t.Helper()
	var check func(o fyne.CanvasObject, origin fyne.Position, scrollsX, scrollsY bool)
	check = func(o fyne.CanvasObject, origin fyne.Position, scrollsX, scrollsY bool) {
		if !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		end := pos.Add(fyne.NewPos(o.Size().Width, o.Size().Height))
		if !scrollsX && end.X > size.Width+0.5 {
			t.Errorf("%T ends at x=%.0f, past the window's %.0f", o, end.X, size.Width)
		}
		if !scrollsY && end.Y > size.Height+0.5 {
			t.Errorf("%T ends at y=%.0f, past the window's %.0f", o, end.Y, size.Height)
		}
		switch o := o.(type) {
		case *widget.Button, *widget.Check, *widget.Select:
			if o.Size().Width+0.5 < o.MinSize().Width {
				t.Errorf("%T %q is %.0f px wide but needs %.0f", o, buttonText(o), o.Size().Width, o.MinSize().Width)
			}
		case *widget.Table, *widget.List, *widget.Entry:
			return // they scroll their own content
		case *container.Scroll:
			inX := o.Direction == container.ScrollHorizontalOnly || o.Direction == container.ScrollBoth
			inY := o.Direction == container.ScrollVerticalOnly || o.Direction == container.ScrollBoth
			check(o.Content, pos, scrollsX || inX, scrollsY || inY)
			return
		}
		switch o := o.(type) {
		case *fyne.Container:
			for _, child := range o.Objects {
				check(child, pos, scrollsX, scrollsY)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(o).Objects() {
				check(child, pos, scrollsX, scrollsY)
			}
		}
	}
	check(c.Content(), fyne.NewPos(0, 0), false, false)
}

// savePNG writes what the canvas shows to $QEX_LAYOUT_PNG_DIR, if set, for
// a person to look at.
func savePNG(t *testing.T, name string, c fyne.Canvas) {
	dir := os.Getenv("QEX_LAYOUT_PNG_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

func buttonText(o fyne.CanvasObject) string {
	if b, ok := o.(*widget.Button); ok {
		return b.Text
	}
	return ""
}
