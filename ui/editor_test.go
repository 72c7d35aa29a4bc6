package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// capturing records the configuration the widget is opened with.
type capturing struct {
	scriptedEngine
	opened []widgetcfg.Config
}

// OpenWidget says, as the real engine does when no browser opens, where the
// widget page is.
func (c *capturing) OpenWidget(cfg widgetcfg.Config, emit func(flows.Event)) {
	c.opened = append(c.opened, cfg)
	emit(flows.WidgetHostReady{URL: "http://127.0.0.1:40999/", OpenErr: errors.New("no browser to open")})
}

// editorWindow is a window whose sandbox session has connected, and the
// engine that records what the widget is opened with.
func editorWindow(t *testing.T, inputs flows.Inputs) (*MainWindow, *capturing, *uiThread) {
	ui := newUIThread()
	engine := &capturing{scriptedEngine: scriptedEngine{events: scriptedFlow(6)}}
	m := NewMainWindow(test.NewTempApp(t), engine, Options{AutoConnect: true, Do: ui.do,
		Target: flows.Target{Env: flows.EnvSandbox, Inputs: inputs}})
	return m, engine, ui
}

// connected waits until the window's session has connected.
func connected(t *testing.T, m *MainWindow, ui *uiThread) {
	t.Helper()
	ui.waitFor(t, "the flow", func() bool { return m.config.cfg.Identity != nil })
}

// editorField finds the one input labelled label in the editor's section
// titled section, and the message line under it.
func editorField[T fyne.CanvasObject](t *testing.T, e *editor, section, label string) (T, *widget.Label) {
	t.Helper()
	item := editorSection(t, e, section)
	var found []*fyne.Container
	walk(item.Detail, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok && len(c.Objects) == 3 {
			l, isLabel := c.Objects[0].(*widget.Label)
			_, isT := c.Objects[1].(T)
			if isLabel && isT && l.Text == label {
				found = append(found, c)
			}
		}
	})
	if len(found) != 1 {
		t.Fatalf("%d fields labelled %q in %q", len(found), label, section)
	}
	return found[0].Objects[1].(T), found[0].Objects[2].(*widget.Label)
}

func editorSection(t *testing.T, e *editor, title string) *widget.AccordionItem {
	t.Helper()
	accordion := find(t, e.content, "sections", func(*widget.Accordion) bool { return true })
	for _, item := range accordion.Items {
		if item.Title == title {
			return item
		}
	}
	t.Fatalf("no section %q", title)
	return nil
}

// summaryLine is the line beside Open widget that says why it refused.
func summaryLine(t *testing.T, e *editor) *widget.Label {
	t.Helper()
	return find(t, e.content, "refusal summary", func(l *widget.Label) bool { return strings.HasPrefix(l.Text, "The widget was not opened") })
}

func TestEditor(t *testing.T) {
	m, engine, ui := editorWindow(t, flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"})
	connected(t, m, ui)
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

// Open widget refuses a configuration with problems: nothing opens, each
// problem shows under its field, closed sections holding one open, and a
// line beside the button says where to look until all are fixed.
func TestEditorRefusesAnInvalidConfiguration(t *testing.T) {
	m, engine, ui := editorWindow(t, flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"})
	connected(t, m, ui)
	e := m.editor
	language, languageProblem := editorField[*widget.Entry](t, e, "General", "Language")
	orderID, orderProblem := editorField[*widget.Entry](t, e, "Partner fields", "Order id (≤ 40)")
	test.Type(language, "English")
	test.Type(orderID, strings.Repeat("9", 41))
	if editorSection(t, e, "Partner fields").Open {
		t.Fatal("the Partner fields section starts open: the test cannot tell whether a refusal opens it")
	}

	test.Tap(findButton(t, e.content, "Open widget"))
	if len(engine.opened) != 0 {
		t.Fatalf("opened %d widgets with an invalid configuration", len(engine.opened))
	}
	if !languageProblem.Visible() || languageProblem.Text != `"English" is not a language tag such as en or en-US` {
		t.Errorf("language problem %q visible=%v", languageProblem.Text, languageProblem.Visible())
	}
	if !orderProblem.Visible() || orderProblem.Text != "Is 41 characters; at most 40" || !editorSection(t, e, "Partner fields").Open {
		t.Errorf("order id problem %q visible=%v, section open=%v", orderProblem.Text, orderProblem.Visible(), editorSection(t, e, "Partner fields").Open)
	}
	summary := summaryLine(t, e)
	if want := "The widget was not opened: fix the problems shown in General, Partner fields."; !summary.Visible() || summary.Text != want {
		t.Errorf("summary %q visible=%v, want %q", summary.Text, summary.Visible(), want)
	}

	// Fixing one leaves the other named; fixing both clears the refusal.
	setText(language, "ja")
	if languageProblem.Visible() || summary.Text != "The widget was not opened: fix the problems shown in Partner fields." {
		t.Errorf("after fixing the language: problem visible=%v, summary %q", languageProblem.Visible(), summary.Text)
	}
	setText(orderID, "ORDER-1")
	if orderProblem.Visible() || summary.Visible() {
		t.Errorf("after fixing both: problem visible=%v, summary visible=%v", orderProblem.Visible(), summary.Visible())
	}
	pressEnter(orderID)
	if len(engine.opened) != 1 || engine.opened[0].UserLocale != "ja" || engine.opened[0].PartnerOrderID != "ORDER-1" {
		t.Fatalf("Enter opened %+v", engine.opened)
	}
	// Where the widget page is, and why no browser showed it, is said here,
	// where the user pressed Enter.
	ui.waitFor(t, "the widget page's address in the editor", func() bool {
		return strings.Contains(e.notice.Text, "http://127.0.0.1:40999/") && strings.Contains(e.notice.Text, "no browser to open")
	})
}

// Choosing a preset over typed fields asks first; keeping them keeps the
// form and the picker as they were, replacing fills the form from the preset.
// With nothing typed, a preset fills the form at once.
func TestEditorPresetAsksBeforeReplacingTypedFields(t *testing.T) {
	m, _, ui := editorWindow(t, flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"})
	connected(t, m, ui)
	e := m.editor
	overlays := m.win.Canvas().Overlays()
	presets := findSelect(t, e.content, "Start from a preset…")
	presets.SetSelected("Sell to wallet")
	if overlays.Top() != nil || !strings.Contains(e.preview.Text, `"method": "LIQUID_WALLET"`) {
		t.Fatalf("a preset over an untouched form: dialog %v, preview:\n%s", overlays.Top(), e.preview.Text)
	}

	reference, _ := editorField[*widget.Entry](t, e, "Partner fields", "Reference")
	test.Type(reference, "my-ref")
	presets.SetSelected("Buy crypto with card")
	if overlays.Top() == nil || !strings.Contains(fmt.Sprint(texts(overlays.Top())), "Replace your changes with the preset?") {
		t.Fatal("no question before replacing typed fields")
	}
	test.Tap(findButton(t, overlays.Top(), "Keep my changes"))
	if reference.Text != "my-ref" || presets.Selected != "Sell to wallet" || !strings.Contains(e.preview.Text, `"partner_ref": "my-ref"`) ||
		!strings.Contains(e.preview.Text, `"method": "LIQUID_WALLET"`) {
		t.Errorf("kept: reference %q, preset %q, preview:\n%s", reference.Text, presets.Selected, e.preview.Text)
	}

	presets.SetSelected("Buy crypto with card")
	test.Tap(findButton(t, overlays.Top(), "Replace"))
	if reference.Text != "" || presets.Selected != "Buy crypto with card" || strings.Contains(e.preview.Text, "my-ref") ||
		!strings.Contains(e.preview.Text, `"method": "CARD_PAYMENT"`) {
		t.Errorf("replaced: reference %q, preset %q, preview:\n%s", reference.Text, presets.Selected, e.preview.Text)
	}
	presets.SetSelected("E-commerce intent")
	if overlays.Top() != nil || !strings.Contains(e.preview.Text, `"intent": "int_sandbox_checkout_0001"`) {
		t.Errorf("a preset right after a preset asked, or did not fill the form:\n%s", e.preview.Text)
	}

	// Load… over typed fields asks the same before choosing a file.
	test.Type(reference, "my-ref")
	test.Tap(findButton(t, e.content, "Load…"))
	if overlays.Top() == nil || !strings.Contains(fmt.Sprint(texts(overlays.Top())), "Replace your changes with a file?") {
		t.Fatal("no question before a file replaces typed fields")
	}
	test.Tap(findButton(t, overlays.Top(), "Keep my changes"))
	if overlays.Top() != nil || reference.Text != "my-ref" {
		t.Errorf("kept: a dialog is still shown (%v), reference %q", overlays.Top() != nil, reference.Text)
	}
	test.Tap(findButton(t, e.content, "Load…"))
	test.Tap(findButton(t, overlays.Top(), "Replace"))
	findButton(t, overlays.Top(), "Open") // the file chooser is up
}

// texts are the texts shown inside o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	})
	return out
}

// The preview shows what the user typed, markup included, as typed.
func TestEditorPreviewShowsTextAsTyped(t *testing.T) {
	m, _, ui := editorWindow(t, flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"})
	connected(t, m, ui)
	reference, _ := editorField[*widget.Entry](t, m.editor, "Partner fields", "Reference")
	test.Type(reference, `<script>alert("hi & bye")</script>`)
	if !strings.Contains(m.editor.preview.Text, `"partner_ref": "<script>alert(\"hi & bye\")</script>"`) {
		t.Errorf("preview:\n%s", m.editor.preview.Text)
	}
}

// With the key field left empty (the sandbox's built-in key), the editor
// says what is missing until the session connects, then runs with the
// session's key; asking for the session before there is one is a problem.
func TestEditorFollowsTheConnectedSession(t *testing.T) {
	m, engine, ui := editorWindow(t, nil)
	e := m.editor
	test.Tap(e.withIdentity)
	_, identityProblem := editorField[*widget.Entry](t, e, "Identity", "Or a single-use Liquid user JWT")
	if !e.general.Visible() || e.general.Text != "public_api_key: missing: connect first, or type the key on Connect" ||
		!identityProblem.Visible() || !strings.HasPrefix(identityProblem.Text, "No session is connected to include") {
		t.Errorf("before connecting: %q visible=%v; identity %q visible=%v", e.general.Text, e.general.Visible(), identityProblem.Text, identityProblem.Visible())
	}
	test.Tap(findButton(t, e.content, "Open widget"))
	if len(engine.opened) != 0 || !strings.Contains(summaryLine(t, e).Text, "the top of the form, Identity") {
		t.Errorf("opened %d; summary %q", len(engine.opened), summaryLine(t, e).Text)
	}

	connected(t, m, ui)
	key := m.config.cfg.PublicAPIKey
	if e.general.Visible() || identityProblem.Visible() || summaryLine(t, e).Visible() ||
		!strings.Contains(e.preview.Text, `"public_api_key": "`+key+`"`) || !strings.Contains(e.preview.Text, `"session_id"`) {
		t.Errorf("after connecting: general %q, identity %q, preview:\n%s", e.general.Text, identityProblem.Text, e.preview.Text)
	}
	test.Tap(findButton(t, e.content, "Open widget"))
	if len(engine.opened) != 1 || engine.opened[0].PublicAPIKey != key || engine.opened[0].Identity == nil {
		t.Errorf("opened %+v", engine.opened)
	}
}

// Switching the style shown moves its problems beside its fields and the
// others' to the top; the colour picker starts from the field's colour.
func TestEditorStyles(t *testing.T) {
	m, _, ui := editorWindow(t, flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"})
	connected(t, m, ui)
	e := m.editor
	colour, colourProblem := editorField[*widget.Entry](t, e, "Styles", "color")
	e.styleKey.SetSelected("cs-button")
	test.Type(colour, "#12")
	e.styleKey.SetSelected("cs-base")
	if colourProblem.Visible() || !e.general.Visible() || !strings.Contains(e.general.Text, `custom_styles.cs-button.color: "#12" is not a colour`) {
		t.Errorf("cs-base shown: beside the field %q visible=%v; at the top %q", colourProblem.Text, colourProblem.Visible(), e.general.Text)
	}
	e.styleKey.SetSelected("cs-button")
	if !colourProblem.Visible() || e.general.Visible() {
		t.Errorf("cs-button shown again: beside the field %q visible=%v; at the top %q", colourProblem.Text, colourProblem.Visible(), e.general.Text)
	}

	setText(colour, "#28646e")
	var picks []*widget.Button
	walk(editorSection(t, e, "Styles").Detail, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Pick…" {
			picks = append(picks, b)
		}
	})
	test.Tap(picks[0]) // beside color, the first property
	test.Tap(findButton(t, m.win.Canvas().Overlays().Top(), "Confirm"))
	if colour.Text != "#28646e" {
		t.Errorf("confirming the picker unchanged made the colour %q", colour.Text)
	}
}
