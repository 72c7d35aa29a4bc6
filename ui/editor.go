package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// none is the choice that leaves a field out.
const none = "—"

// editor builds a widget configuration in a form: sections for the quote's
// defaults and locked settlements, styles with colour pickers, partner
// fields and identity, with a live JSON preview and each validation
// message beside its field.
type editor struct {
	m      *MainWindow
	base   widgetcfg.Config // what was loaded: its unknown fields are kept
	ownKey bool             // the loaded file names its public API key
	loaded string           // the form just after loading: edits differ from it

	presets *widget.Select
	preset  string // the preset the form was last filled from, or ""

	entries  map[string]*widget.Entry
	choices  map[string]*widget.Select
	problems map[string]*widget.Label // by field path
	general  *widget.Label            // problems without a field of their own

	accordion *widget.Accordion
	sectionOf map[*widget.Label]int // each field's problem label → its section
	summary   *widget.Label         // why Open widget refused, until fixed
	refused   bool

	styles   map[string]widgetcfg.Style
	styleKey *widget.Select

	withIdentity *widget.Check
	preview      *widget.Label
	notice       *widget.Label
	loading      bool // populate sets widgets without re-reading each change
	content      fyne.CanvasObject
}

// styleProps are the style properties the editor offers; others in a
// loaded file are kept.
var styleProps = []string{"color", "background", "border-color"}

func newEditor(m *MainWindow) *editor {
	e := &editor{m: m, entries: map[string]*widget.Entry{}, choices: map[string]*widget.Select{},
		problems: map[string]*widget.Label{}, styles: map[string]widgetcfg.Style{},
		loading: true} // until load below: half-built forms do not update
	e.general = newErrorLabel()
	e.preview = widget.NewLabel("")
	e.preview.TextStyle = fyne.TextStyle{Monospace: true}
	e.preview.Wrapping = fyne.TextWrapBreak
	e.notice = widget.NewLabel("")
	e.notice.Wrapping = fyne.TextWrapWord

	e.summary = newErrorLabel()
	e.presets = widget.NewSelect(widgetcfg.PresetNames(), e.choosePreset)
	e.presets.PlaceHolder = lang.L("Start from a preset…")

	sides := func(side string, methods []string) fyne.CanvasObject {
		items := []fyne.CanvasObject{
			widget.NewLabelWithStyle(lang.L("Suggested (the user may change it)"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}),
			e.entry(side+"_default.currency", "Currency", "USD"),
			e.entry(side+"_default.quantity", "Quantity", "100"),
			e.choice(side+"_default.currency_scheme", "Scheme", []string{none, widgetcfg.SchemeFiat, widgetcfg.SchemeCrypto}),
			widget.NewLabelWithStyle(lang.L("Locked (the user cannot change it)"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}),
			e.choice(side+"_settlement.method", "Method", append([]string{none}, methods...)),
			e.entry(side+"_settlement.currency", "Currency", ""),
			e.entry(side+"_settlement.quantity", "Quantity", ""),
		}
		if side == "payout" {
			items = append(items,
				e.entry("payout_settlement.input_parameters.account_key.value", "Wallet address", ""),
				e.entry("payout_settlement.input_parameters.transaction_key.value", "Memo / tag", ""))
		}
		return container.NewVBox(items...)
	}

	e.styleKey = widget.NewSelect(widgetcfg.StyleKeys, func(string) {
		e.showStyle()
		e.update() // the chosen style's problems move beside its fields
	})
	styleRows := []fyne.CanvasObject{e.styleKey}
	for _, prop := range styleProps {
		prop := prop
		entry := e.entry("style."+prop, prop, "#28646e")
		pick := widget.NewButton(lang.L("Pick…"), func() { e.pickColour(prop) })
		styleRows = append(styleRows, container.NewBorder(nil, nil, nil, pick, entry))
	}
	e.styleKey.Selected = widgetcfg.StyleKeys[0] // load shows its style

	e.withIdentity = widget.NewCheck(lang.L("Include the connected session (a secret)"), func(bool) { e.update() })
	general := widget.NewAccordionItem(lang.L("General"), container.NewVBox(
		e.choice("theme", "Theme", []string{none, "light", "dark"}),
		e.entry("user_locale", "Language", "en")))
	general.Open = true // not Accordion.Open, which builds the editor now, before it is shown
	e.accordion = widget.NewAccordion(general,
		widget.NewAccordionItem(lang.L("Funding (what the user pays)"), sides("funding", widgetcfg.FundingMethods)),
		widget.NewAccordionItem(lang.L("Payout (what the user receives)"), sides("payout", widgetcfg.PayoutMethods)),
		widget.NewAccordionItem(lang.L("Styles"), container.NewVBox(styleRows...)),
		widget.NewAccordionItem(lang.L("Partner fields"), container.NewVBox(
			e.entry("partner_order_id", "Order id (≤ 40)", ""),
			e.entry("partner_ref", "Reference", ""),
			e.entry("partner_tags", "Tags (comma separated, ≤ 10)", ""),
			e.entry("intent", "Intent id", ""))),
		widget.NewAccordionItem(lang.L("Identity"), container.NewVBox(e.withIdentity,
			e.entry("identity.liquid_user_jwt", "Or a single-use Liquid user JWT", ""))),
	)
	e.accordion.MultiOpen = true
	e.sectionOf = map[*widget.Label]int{}
	for i, item := range e.accordion.Items {
		for _, l := range e.problems {
			if holds(item.Detail, l) {
				e.sectionOf[l] = i
			}
		}
	}

	open := widget.NewButton(lang.L("Open widget"), e.open)
	open.Importance = widget.HighImportance
	buttons := newButtonGrid(open,
		widget.NewButton(lang.L("Save as…"), e.saveAs), widget.NewButton(lang.L("Load…"), e.openFile))
	form := container.NewVBox(e.presets, e.general, e.accordion, buttons, e.summary, e.notice)
	preview := container.NewVBox(widget.NewLabelWithStyle(lang.L("Preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), e.preview)
	e.content, _ = newFlowScroll(m.newRowOrStack(760, evenSplit, form, preview))
	e.load(widgetcfg.Config{ConfigVersion: widgetcfg.ConfigVersion})
	return e
}

// holds reports whether o is, or contains, target.
func holds(o, target fyne.CanvasObject) bool {
	if o == target {
		return true
	}
	if c, ok := o.(*fyne.Container); ok {
		return slices.ContainsFunc(c.Objects, func(child fyne.CanvasObject) bool { return holds(child, target) })
	}
	return false
}

// partnerKey is the public API key a configuration without its own runs
// with: the connected session's, else the one typed on Connect.
func (e *editor) partnerKey() string {
	if key := e.m.config.cfg.PublicAPIKey; key != "" {
		return key
	}
	return e.m.connect.widgetAccount()
}

// open runs the form's configuration in the widget; with problems it does
// not, and opens the sections that show them and says so beside the button.
func (e *editor) open() {
	c := e.read()
	if len(e.problemsOf(c)) == 0 {
		e.refused = false
		e.summary.Hide()
		e.m.openWidget(c)
		return
	}
	e.refused = true
	e.update()
	for l, i := range e.sectionOf {
		if l.Visible() {
			e.accordion.Open(i)
		}
	}
}

// shownProblem is a problem at one field, in the window's language.
type shownProblem struct{ Field, Text string }

// problemsOf is what is wrong with c, and with the form that made it.
func (e *editor) problemsOf(c widgetcfg.Config) []shownProblem {
	var problems []shownProblem
	for _, p := range c.Problems() {
		text := say(p.Message)
		if p.Field == "public_api_key" && c.PublicAPIKey == "" {
			text = lang.L("missing: connect first, or type the key on Connect")
		}
		problems = append(problems, shownProblem{p.Field, text})
	}
	if session := e.m.config.cfg.Identity; e.withIdentity.Checked && (session == nil || session.UserSession == nil) {
		problems = append(problems, shownProblem{"identity", lang.L("no session is connected to include: connect first, or paste a Liquid user JWT")})
	}
	return problems
}

// choosePreset fills the form from a preset, asking first when that would
// replace what the user typed.
func (e *editor) choosePreset(name string) {
	if name == "" || e.loading {
		return
	}
	apply := func() {
		e.ownKey = false
		e.load(widgetcfg.Presets[name](e.partnerKey()))
		e.showPreset(name)
		e.notice.SetText("")
	}
	e.askBeforeReplacing(lang.L("Replace your changes with the preset?"),
		lang.L("“{{.Preset}}” sets the whole form: what you typed will be lost.", map[string]any{"Preset": name}),
		apply, func() { e.showPreset(e.preset) })
}

// askBeforeReplacing runs replace at once on a form the user has not
// changed; otherwise it asks first, and runs keep if the user keeps it.
func (e *editor) askBeforeReplacing(title, message string, replace, keep func()) {
	if !e.edited() {
		replace()
		return
	}
	d := dialog.NewConfirm(title, message, func(ok bool) {
		if ok {
			replace()
		} else {
			keep()
		}
	}, e.m.win)
	d.SetConfirmText(lang.L("Replace"))
	d.SetDismissText(lang.L("Keep my changes"))
	d.Show()
}

// showPreset shows name ("" for none) in the preset picker without choosing
// it again.
func (e *editor) showPreset(name string) {
	e.preset = name
	e.presets.Selected = name
	e.presets.Refresh()
}

// edited reports whether the user changed the form since it was loaded.
func (e *editor) edited() bool { return e.snapshot() != e.loaded }

// snapshot is the form's configuration without what changes on its own: the
// key follows the connection.
func (e *editor) snapshot() string {
	c := e.read().Masked()
	c.PublicAPIKey = ""
	text, _ := c.MarshalIndent()
	return string(text)
}

// entry is a labelled text field whose problems show under it.
func (e *editor) entry(path, label, placeholder string) fyne.CanvasObject {
	w := widget.NewEntry()
	w.PlaceHolder = placeholder // not SetPlaceHolder, which measures it before the editor is shown
	w.OnChanged = func(string) { e.changed(path) }
	w.OnSubmitted = func(string) { e.open() } // Enter, as in any form, runs the default button
	e.entries[path] = w
	return e.field(path, label, w)
}

// choice is a labelled picker whose problems show under it.
func (e *editor) choice(path, label string, options []string) fyne.CanvasObject {
	w := widget.NewSelect(options, func(string) { e.update() })
	w.Selected = options[0] // load sets it; update waits for load anyway
	e.choices[path] = w
	return e.field(path, label, w)
}

func (e *editor) field(path, label string, w fyne.CanvasObject) fyne.CanvasObject {
	problem := newErrorLabel()
	e.problems[path] = problem
	return container.NewVBox(widget.NewLabel(lang.L(label)), w, problem)
}

func (e *editor) changed(path string) {
	if strings.HasPrefix(path, "style.") && !e.loading {
		key := e.styleKey.Selected
		style := e.styles[key]
		if style == nil {
			style = widgetcfg.Style{}
		}
		prop := strings.TrimPrefix(path, "style.")
		if v := strings.TrimSpace(e.entries[path].Text); v != "" {
			style[prop] = v
		} else {
			delete(style, prop)
		}
		e.styles[key] = style
	}
	e.update()
}

func (e *editor) text(path string) string { return strings.TrimSpace(e.entries[path].Text) }

func (e *editor) pick(path string) string {
	if v := e.choices[path].Selected; v != none {
		return v
	}
	return ""
}

// read builds the configuration the form shows, on top of what was loaded.
func (e *editor) read() widgetcfg.Config {
	c := e.base
	if !e.ownKey {
		c.PublicAPIKey = e.partnerKey()
	}
	c.Theme, c.UserLocale = e.pick("theme"), e.text("user_locale")
	c.FundingDefault = e.readDefault("funding", e.base.FundingDefault)
	c.PayoutDefault = e.readDefault("payout", e.base.PayoutDefault)
	c.FundingSettlement = e.readSettlement("funding", e.base.FundingSettlement)
	c.PayoutSettlement = e.readSettlement("payout", e.base.PayoutSettlement)
	if p := c.PayoutSettlement; p != nil {
		params := widgetcfg.InputParameters{}
		if e.base.PayoutSettlement != nil && e.base.PayoutSettlement.InputParameters != nil {
			params = *e.base.PayoutSettlement.InputParameters
		}
		params.AccountKey, params.TransactionKey = nil, nil
		if v := e.text("payout_settlement.input_parameters.account_key.value"); v != "" {
			params.AccountKey = &widgetcfg.TypedValue{Type: "WALLET_ADDRESS", Value: v}
		}
		if v := e.text("payout_settlement.input_parameters.transaction_key.value"); v != "" {
			params.TransactionKey = &widgetcfg.TypedValue{Type: "MEMO_ID", Value: v}
		}
		p.InputParameters = nil
		if params.AccountKey != nil || params.TransactionKey != nil || len(params.Extra) > 0 {
			p.InputParameters = &params
		}
	}
	c.CustomStyles = nil
	for key, style := range e.styles {
		if len(style) > 0 {
			if c.CustomStyles == nil {
				c.CustomStyles = map[string]widgetcfg.Style{}
			}
			c.CustomStyles[key] = style
		}
	}
	c.PartnerOrderID, c.PartnerRef, c.Intent = e.text("partner_order_id"), e.text("partner_ref"), e.text("intent")
	c.PartnerTags = nil
	if tags := e.text("partner_tags"); tags != "" {
		for _, tag := range strings.Split(tags, ",") {
			c.PartnerTags = append(c.PartnerTags, strings.TrimSpace(tag)) // empty ones are flagged
		}
	}
	c.Identity = nil
	session := e.m.config.cfg.Identity
	jwt := e.text("identity.liquid_user_jwt")
	if (e.withIdentity.Checked && session != nil) || jwt != "" {
		c.Identity = &widgetcfg.Identity{LiquidUserJWT: jwt}
		if e.withIdentity.Checked && session != nil {
			c.Identity.UserSession = session.UserSession
		}
	}
	return c
}

func (e *editor) readDefault(side string, base *widgetcfg.Default) *widgetcfg.Default {
	d := widgetcfg.Default{}
	if base != nil {
		d = *base
	}
	d.Currency, d.Quantity, d.CurrencyScheme = e.text(side+"_default.currency"), widgetcfg.Amount(e.text(side+"_default.quantity")), e.pick(side+"_default.currency_scheme")
	if d.Currency == "" && d.Quantity == "" && d.CurrencyScheme == "" && len(d.CurrencyOptions) == 0 && len(d.Extra) == 0 {
		return nil
	}
	return &d
}

func (e *editor) readSettlement(side string, base *widgetcfg.Settlement) *widgetcfg.Settlement {
	s := widgetcfg.Settlement{}
	if base != nil {
		s = *base
	}
	s.Method, s.Currency, s.Quantity = e.pick(side+"_settlement.method"), e.text(side+"_settlement.currency"), widgetcfg.Amount(e.text(side+"_settlement.quantity"))
	if s.Method == "" && s.Currency == "" && s.Quantity == "" && len(s.Extra) == 0 {
		return nil
	}
	return &s
}

// load shows c in the form.
func (e *editor) load(c widgetcfg.Config) {
	e.loading = true
	defer func() {
		e.loading = false
		e.showStyle()
		e.refused = false // until the user tries to open this one
		e.update()
		e.loaded = e.snapshot()
	}()
	e.base = c
	// Only what changes is set (see setText).
	setChoice := func(path, v string) {
		if v == "" {
			v = none
		}
		if w := e.choices[path]; w.Selected != v {
			w.SetSelected(v)
		}
	}
	setChoice("theme", c.Theme)
	e.setText("user_locale", c.UserLocale)
	for _, side := range []string{"funding", "payout"} {
		d, s := c.FundingDefault, c.FundingSettlement
		if side == "payout" {
			d, s = c.PayoutDefault, c.PayoutSettlement
		}
		if d == nil {
			d = &widgetcfg.Default{}
		}
		if s == nil {
			s = &widgetcfg.Settlement{}
		}
		e.setText(side+"_default.currency", d.Currency)
		e.setText(side+"_default.quantity", string(d.Quantity))
		setChoice(side+"_default.currency_scheme", d.CurrencyScheme)
		setChoice(side+"_settlement.method", s.Method)
		e.setText(side+"_settlement.currency", s.Currency)
		e.setText(side+"_settlement.quantity", string(s.Quantity))
	}
	account, memo := "", ""
	if s := c.PayoutSettlement; s != nil && s.InputParameters != nil {
		if s.InputParameters.AccountKey != nil {
			account = s.InputParameters.AccountKey.Value
		}
		if s.InputParameters.TransactionKey != nil {
			memo = s.InputParameters.TransactionKey.Value
		}
	}
	e.setText("payout_settlement.input_parameters.account_key.value", account)
	e.setText("payout_settlement.input_parameters.transaction_key.value", memo)
	e.styles = map[string]widgetcfg.Style{}
	for key, style := range c.CustomStyles {
		e.styles[key] = copyStyle(style)
	}
	e.setText("partner_order_id", c.PartnerOrderID)
	e.setText("partner_ref", c.PartnerRef)
	e.setText("partner_tags", strings.Join(c.PartnerTags, ", "))
	e.setText("intent", c.Intent)
	jwt := ""
	if c.Identity != nil {
		jwt = c.Identity.LiquidUserJWT
	}
	e.setText("identity.liquid_user_jwt", jwt)
	e.withIdentity.SetChecked(c.Identity != nil && c.Identity.UserSession != nil)
}

// setText shows v in the field at path, unless it shows it already: a
// setter refreshes its widget, which builds it and measures its text, and
// the editor is loaded as it is built, before it is first shown. (An
// unchanged field keeps its undo history.)
func (e *editor) setText(path, v string) {
	if w := e.entries[path]; w.Text != v {
		w.SetText(v)
	}
}

func copyStyle(s widgetcfg.Style) widgetcfg.Style {
	out := widgetcfg.Style{}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// showStyle fills the style entries with the chosen key's properties.
func (e *editor) showStyle() {
	if len(e.entries) == 0 {
		return // still being built
	}
	was := e.loading
	e.loading = true
	for _, prop := range styleProps {
		e.setText("style."+prop, e.styles[e.styleKey.Selected][prop])
	}
	e.loading = was
}

func (e *editor) pickColour(prop string) {
	d := dialog.NewColorPicker(lang.L("Pick a colour"), lang.L("{{.Property}} of {{.Element}}", map[string]any{"Property": prop, "Element": e.styleKey.Selected}), func(c color.Color) {
		r, g, b, _ := c.RGBA()
		e.entries["style."+prop].SetText(fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8))
	}, e.m.win)
	d.Advanced = true
	d.Show()
	// Start from the field's colour, so Confirm alone keeps it.
	var r, g, b uint8
	if v := e.text("style." + prop); len(v) == 7 {
		if _, err := fmt.Sscanf(v, "#%02x%02x%02x", &r, &g, &b); err == nil {
			d.SetColor(color.NRGBA{R: r, G: g, B: b, A: 0xff})
		}
	}
}

// update refreshes the preview and puts each problem beside its field.
func (e *editor) update() {
	if e.loading || e.preview == nil {
		return
	}
	c := e.read()
	text, err := c.Masked().MarshalIndent()
	if err == nil {
		e.preview.SetText(string(text))
	}
	for _, l := range e.problems {
		l.Hide()
	}
	var general []string
	sections := make([]bool, len(e.accordion.Items))
	for _, p := range e.problemsOf(c) {
		if l := e.problemLabel(p.Field); l != nil {
			sections[e.sectionOf[l]] = true
			if l.Visible() {
				l.SetText(l.Text + "\n" + oneline.Sentence(p.Text))
			} else {
				l.SetText(oneline.Sentence(p.Text))
				l.Show()
			}
			continue
		}
		general = append(general, p.Field+": "+p.Text)
	}
	e.general.SetText(strings.Join(general, "\n"))
	e.general.Hidden = len(general) == 0
	e.general.Refresh()
	e.showRefusal(len(general) > 0, sections)
}

// showRefusal says, after Open widget refused, where the problems still
// are, and goes once they are fixed.
func (e *editor) showRefusal(atTop bool, sections []bool) {
	var places []string
	if atTop {
		places = append(places, lang.L("the top of the form"))
	}
	for i, has := range sections {
		if has {
			places = append(places, e.accordion.Items[i].Title)
		}
	}
	if !e.refused || len(places) == 0 {
		e.refused = false
		e.summary.Hide()
		return
	}
	e.summary.SetText(lang.L("The widget was not opened: fix the problems shown in {{.Places}}.", map[string]any{"Places": strings.Join(places, ", ")}))
	e.summary.Show()
}

// problemLabel finds the label beside the field a problem names.
func (e *editor) problemLabel(field string) *widget.Label {
	if l, ok := e.problems[field]; ok {
		return l
	}
	if strings.HasPrefix(field, "custom_styles.") {
		parts := strings.Split(field, ".")
		if len(parts) == 3 && parts[1] == e.styleKey.Selected && slices.Contains(styleProps, parts[2]) {
			return e.problems["style."+parts[2]]
		}
	}
	if strings.HasPrefix(field, "partner_tags") {
		return e.problems["partner_tags"]
	}
	if strings.HasPrefix(field, "identity") {
		return e.problems["identity.liquid_user_jwt"]
	}
	return nil
}

func (e *editor) saveAs() {
	withSecret := e.withIdentity.Checked
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			e.notice.SetText(oneline.Sentence(sayErr(err)))
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close()
		e.saveTo(path, withSecret)
	}, e.m.win)
	d.SetFileName("qex-widget-config.json")
	d.Show()
}

// saveTo writes the form's configuration, with its identity only when the
// form includes the session.
func (e *editor) saveTo(path string, withIdentity bool) {
	if err := e.read().Save(path, withIdentity); err != nil {
		e.notice.SetText(oneline.Sentence(sayErr(err)))
		return
	}
	if withIdentity {
		e.notice.SetText(lang.L("Saved to {{.Path}} (with the session's identity: keep it private).", map[string]any{"Path": path}))
		return
	}
	e.notice.SetText(lang.L("Saved to {{.Path}} (without the identity).", map[string]any{"Path": path}))
}

func (e *editor) openFile() {
	e.askBeforeReplacing(lang.L("Replace your changes with a file?"),
		lang.L("The file you choose sets the whole form: what you typed will be lost."),
		e.chooseFile, func() {})
}

func (e *editor) chooseFile() {
	dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			e.notice.SetText(oneline.Sentence(sayErr(err)))
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		e.loadFile(path)
	}, e.m.win).Show()
}

// loadFile shows a configuration file in the form.
func (e *editor) loadFile(path string) {
	c, err := widgetcfg.Load(path)
	if err != nil {
		e.notice.SetText(oneline.Sentence(sayErr(err)))
		return
	}
	e.ownKey = c.PublicAPIKey != ""
	e.load(c)
	e.showPreset("")
	e.notice.SetText(lang.L("Loaded {{.Path}}.", map[string]any{"Path": path}))
}
