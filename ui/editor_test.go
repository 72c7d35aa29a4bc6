package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// capturing records the configuration the widget is opened with.
type capturing struct {
	scriptedEngine
	opened []widgetcfg.Config
}

func (c *capturing) OpenWidget(cfg widgetcfg.Config, emit func(flows.Event)) {
	c.opened = append(c.opened, cfg)
}

func TestEditor(t *testing.T) {
	ui := newUIThread()
	engine := &capturing{scriptedEngine: scriptedEngine{events: scriptedFlow(6)}}
	m := NewMainWindow(test.NewTempApp(t), engine, Options{AutoConnect: true, Do: ui.do,
		Target: flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"}}})
	ui.waitFor(t, "the flow", func() bool { return m.config.cfg.Identity != nil })
	e := m.editor

	// A preset fills the form and the preview.
	findSelect(t, e.content, "Start from a preset…").SetSelected("Buy crypto with card")
	if e.choices["funding_settlement.method"].Selected != "CARD_PAYMENT" || e.entries["funding_settlement.quantity"].Text != "100" ||
		!strings.Contains(e.preview.Text, `"method": "CARD_PAYMENT"`) {
		t.Fatalf("preset: method %q, preview:\n%s", e.choices["funding_settlement.method"].Selected, e.preview.Text)
	}

	// Problems show beside the fields they are about, and go when fixed.
	test.Type(e.entries["payout_default.quantity"], "0.5")
	if l := e.problems["payout_default.quantity"]; !l.Visible() || !strings.HasPrefix(l.Text, "A quantity is already set on the funding side") {
		t.Errorf("payout quantity problem: %q visible=%v", l.Text, l.Visible())
	}
	e.entries["payout_default.quantity"].SetText("")
	if e.problems["payout_default.quantity"].Visible() {
		t.Error("the problem stays after the fix")
	}
	e.styleKey.SetSelected("cs-button")
	test.Type(e.entries["style.color"], "#12")
	if l := e.problems["style.color"]; !l.Visible() || !strings.Contains(l.Text, `"#12" is not a colour`) {
		t.Errorf("colour problem: %q", l.Text)
	}
	e.entries["style.color"].SetText("#28646e")
	if e.problems["style.color"].Visible() || !strings.Contains(e.preview.Text, `"cs-button": {`) {
		t.Errorf("style not taken:\n%s", e.preview.Text)
	}

	// The identity is the connected session's, masked in the preview.
	test.Tap(e.withIdentity)
	secret := m.config.cfg.Identity.UserSession.SessionSecret
	if !strings.Contains(e.preview.Text, widgetcfg.Mask) || strings.Contains(e.preview.Text, secret) {
		t.Errorf("identity in preview:\n%s", e.preview.Text)
	}

	test.Tap(findButton(t, e.content, "Open widget"))
	if len(engine.opened) != 1 || engine.opened[0].FundingSettlement.Method != "CARD_PAYMENT" ||
		engine.opened[0].Identity.UserSession.SessionSecret != secret || engine.opened[0].Validate() != nil {
		t.Errorf("opened with %+v", engine.opened)
	}

	// Save leaves the identity out unless included; Load brings a file back,
	// unknown fields and all.
	dir := t.TempDir()
	e.saveTo(filepath.Join(dir, "with.json"), true)
	test.Tap(e.withIdentity)
	e.saveTo(filepath.Join(dir, "without.json"), false)
	if data, _ := os.ReadFile(filepath.Join(dir, "without.json")); strings.Contains(string(data), secret) || !strings.Contains(string(data), "CARD_PAYMENT") {
		t.Errorf("saved without identity:\n%s", data)
	}
	os.WriteFile(filepath.Join(dir, "future.json"), []byte(`{"public_api_key":"pk_x12345678","config_version":"1.2","theme":"dark","hologram":true}`), 0o600)
	e.loadFile(filepath.Join(dir, "future.json"))
	if e.choices["theme"].Selected != "dark" || !strings.Contains(e.preview.Text, `"hologram": true`) || e.choices["funding_settlement.method"].Selected != none {
		t.Errorf("loaded: theme %q, preview:\n%s", e.choices["theme"].Selected, e.preview.Text)
	}
}
