package ui

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Callback choices, as the picker shows them in English.
const (
	choiceLoopback = "Loopback (a port on this computer)"
	choiceDeepLink = "Deep link (io.qexcompanion.app:)"
	choiceNone     = "None (the app checks by itself)"
)

// Environment choices, as the picker shows them in English.
const (
	choiceSandbox    = "Sandbox"
	choiceProduction = "Production"
	choiceCustom     = "Custom URL"
)

// choices are a picker's options (in English) and the values they stand for.
type choices []struct{ label, value string }

var (
	callbackChoices = choices{{choiceLoopback, flows.CallbackLoopback}, {choiceDeepLink, flows.CallbackDeepLink}, {choiceNone, flows.CallbackNone}}
	envChoices      = choices{{choiceSandbox, flows.EnvSandbox}, {choiceProduction, flows.EnvProduction}, {choiceCustom, flows.EnvCustom}}
)

// labels are the options in the window's language.
func (c choices) labels() []string {
	var out []string
	for _, o := range c {
		out = append(out, lang.L(o.label))
	}
	return out
}

// value is what the option shown as label stands for; "" for none.
func (c choices) value(label string) string {
	for _, o := range c {
		if lang.L(o.label) == label {
			return o.value
		}
	}
	return ""
}

// label is how the option standing for value is shown; "" for none.
func (c choices) label(value string) string {
	for _, o := range c {
		if o.value == value {
			return lang.L(o.label)
		}
	}
	return ""
}

// connectStep picks the provider, the environment and the provider's inputs.
type connectStep struct {
	m          *MainWindow
	providers  []flows.ProviderInfo
	provider   *widget.Select
	forms      map[string]*providerForm // by provider name
	fieldsBox  *fyne.Container          // the chosen provider's form
	env        *widget.Select
	apiBase    *widget.Entry
	baseRow    *fyne.Container
	callback   *widget.Select
	scheme     *widget.Label
	register   *widget.Button
	errLabel   *widget.Label
	infoL      *widget.Label
	saved      *fyne.Container
	activity   *widget.Activity
	waiting    *widget.Label  // "Connecting to HOST… 0:03" while busy
	cancel     *widget.Button // stops a connection that takes too long
	ticker     secondTicker
	sandboxBtn *widget.Button  // puts the sandbox's built-in inputs back
	scenarios  *scenarioPicker // nil without an embedded sandbox
	button     *widget.Button
	body       fyne.CanvasObject
}

// providerForm is one provider's input fields.
type providerForm struct {
	info     flows.ProviderInfo
	entries  map[string]*widget.Entry  // by field name
	choices  map[string]*widget.Select // fields with Choices, by name
	remember *widget.Check             // keep the secret fields in the keychain; nil without any
	box      *fyne.Container
}

// value is what the user chose or typed in a field.
func (f *providerForm) value(name string) string {
	if c := f.choices[name]; c != nil {
		return c.Selected
	}
	return strings.TrimSpace(f.entries[name].Text)
}

func (s *connectStep) newForm(info flows.ProviderInfo) *providerForm {
	// Only the chosen provider's form is on screen: each form is built
	// with its fields set directly, not through setters that lay out and
	// measure text now, so that a form is measured when it is first shown.
	f := &providerForm{info: info, entries: map[string]*widget.Entry{}, choices: map[string]*widget.Select{}}
	var rows []fyne.CanvasObject
	for _, field := range info.Fields {
		if len(field.Choices) > 0 {
			choice := widget.NewSelect(field.Choices, func(string) { s.clearError() })
			if slices.Contains(field.Choices, field.Default) {
				choice.Selected = field.Default
			}
			f.choices[field.Name] = choice
			rows = append(rows, widget.NewLabel(lang.L(field.Label)), choice)
			continue
		}
		entry := widget.NewEntry()
		if field.Secret {
			entry = widget.NewPasswordEntry()
			// Short enough to be read whole on a phone.
			entry.PlaceHolder = lang.L("Sandbox: leave empty")
		} else {
			entry.PlaceHolder = field.Placeholder
		}
		entry.OnSubmitted = func(string) { s.m.startFlow() }
		entry.OnChanged = func(string) { s.clearError() }
		if field.Optional && field.Default != "" {
			entry.PlaceHolder = field.Default
		}
		f.entries[field.Name] = entry
		rows = append(rows, widget.NewLabel(lang.L(field.Label)), entry)
		if field.Secret && f.remember == nil {
			f.remember = widget.NewCheck(lang.L("Remember secrets in the system keychain"), nil)
		}
	}
	if f.remember != nil {
		rows = append(rows, f.remember)
		s.loadRemembered(f)
	}
	f.box = container.NewVBox(rows...)
	return f
}

// loadRemembered fills the secret fields the user asked to remember; the
// keychain may take seconds, so off the UI thread.
func (s *connectStep) loadRemembered(f *providerForm) {
	go func() {
		remembered := s.m.engine.RememberedInputs(f.info.Name)
		s.m.opts.Do(func() {
			for name, v := range remembered {
				if entry := f.entries[name]; entry != nil && entry.Text == "" {
					entry.SetText(v)
					f.remember.SetChecked(true)
				}
			}
		})
	}()
}

// widgetAccount is what is typed in the account field (the partner key)
// of the chosen provider with a widget, or of the first one: whose widget
// the editor runs.
func (s *connectStep) widgetAccount() string {
	forms := []*providerForm{s.form()}
	for _, info := range s.providers {
		forms = append(forms, s.forms[info.Name])
	}
	for _, f := range forms {
		if !f.info.Widget {
			continue
		}
		for _, field := range f.info.Fields {
			if field.Account && f.entries[field.Name] != nil {
				return strings.TrimSpace(f.entries[field.Name].Text)
			}
		}
	}
	return ""
}

// form is the chosen provider's form.
func (s *connectStep) form() *providerForm {
	for _, info := range s.providers {
		if lang.L(info.Title) == s.provider.Selected {
			return s.forms[info.Name]
		}
	}
	return s.forms[s.providers[0].Name]
}

func (s *connectStep) providerChanged(string) {
	s.fieldsBox.Objects = []fyne.CanvasObject{s.form().box}
	s.fieldsBox.Refresh()
	s.m.retitle() // the step count depends on the provider
	s.m.showEditorTab()
	s.fillSandbox(envChoices.value(s.env.Selected))
	if s.scenarios != nil {
		s.scenarios.describe()
	}
	s.clearError()
}

// fillSandbox puts the sandbox's built-in inputs in empty fields on the
// sandbox, and takes them out elsewhere, where they mean nothing.
func (s *connectStep) fillSandbox(env string) {
	f := s.form()
	for name, builtIn := range s.m.opts.SandboxInputs[f.info.Name] {
		entry := f.entries[name]
		if entry == nil {
			continue
		}
		switch value := strings.TrimSpace(entry.Text); {
		case env == flows.EnvSandbox && value == "":
			entry.SetText(builtIn)
		case env != flows.EnvSandbox && value == builtIn:
			entry.SetText("")
		}
	}
}

func newConnectStep(m *MainWindow, t flows.Target) *connectStep {
	s := &connectStep{m: m, providers: m.engine.Providers(), forms: map[string]*providerForm{}}
	s.apiBase = widget.NewEntry()
	s.apiBase.SetPlaceHolder("https://partners.example")
	s.apiBase.OnSubmitted = func(string) { m.startFlow() }
	var titles []string
	for _, info := range s.providers {
		s.forms[info.Name] = s.newForm(info)
		titles = append(titles, lang.L(info.Title))
	}
	s.fieldsBox = container.NewStack()
	s.provider = widget.NewSelect(titles, s.providerChanged)
	s.errLabel = newErrorLabel()
	s.infoL = widget.NewLabel("")
	s.infoL.Wrapping = fyne.TextWrapWord
	s.infoL.Hide()
	s.saved = container.NewVBox()
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.waiting = widget.NewLabel("")
	s.waiting.Wrapping = fyne.TextWrapWord
	s.waiting.Hide()
	s.cancel = widget.NewButton(lang.L("Cancel"), m.cancelFlow)
	s.cancel.Hide()
	s.sandboxBtn = widget.NewButton(lang.L("Use the sandbox's built-in values"), s.useSandboxValues)
	s.button = widget.NewButton("", m.startFlow)
	s.button.Importance = widget.HighImportance

	s.baseRow = container.NewVBox(widget.NewLabel(lang.L("API base URL")), s.apiBase)
	s.scheme = widget.NewLabel("")
	s.scheme.Wrapping = fyne.TextWrapWord
	s.scheme.Hide()
	s.register = widget.NewButton(lang.L("Register"), s.registerScheme)
	s.register.Hide()
	s.callback = widget.NewSelect(callbackChoices.labels(), func(string) { s.checkScheme() })
	s.env = widget.NewSelect(envChoices.labels(), s.envChanged)
	s.scenarios = newScenarioPicker(m, s)
	s.setTarget(t)

	intro := widget.NewLabel(lang.L("Connect an account to a partner. You approve the connection in your browser; this app never sees your password."))
	intro.Wrapping = fyne.TextWrapWord
	rows := []fyne.CanvasObject{
		intro,
		widget.NewLabel(lang.L("Provider")), s.provider,
		widget.NewLabel(lang.L("Environment")), s.env,
	}
	if s.scenarios != nil {
		rows = append(rows, s.scenarios.row)
	}
	scroll, body := newFlowScroll(append(rows,
		s.baseRow,
		s.fieldsBox,
		container.NewHBox(s.sandboxBtn),
		widget.NewLabel(lang.L("How the browser comes back")), s.callback,
		container.NewBorder(nil, nil, nil, s.register, s.scheme),
		s.errLabel,
		s.infoL,
		container.NewHBox(s.button, s.activity, s.cancel),
		s.waiting, // its own line: beside the buttons it widened a phone's window
		s.saved,
	)...)
	if picker := newLanguagePicker(m); picker != nil {
		body.Add(widget.NewSeparator())
		body.Add(picker)
	}
	s.body = scroll
	s.listSaved()
	return s
}

// listSaved shows the sessions saved on this device, each with Resume and
// Forget.
func (s *connectStep) listSaved() {
	list := s.m.engine.SavedSessions()
	s.saved.Objects = nil
	if len(list) > 0 {
		s.saved.Add(widget.NewSeparator())
		s.saved.Add(widget.NewLabelWithStyle(lang.L("Saved sessions"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	for _, saved := range list {
		key := saved.SessionKey
		now := s.m.opts.Now()
		desc := widget.NewLabel(lang.L("{{.Provider}} · {{.Env}} · {{.Account}}\ncreated {{.Created}} · last used {{.LastUsed}}", map[string]any{
			"Provider": lang.L(s.providerInfo(key.Provider).Title), "Env": strings.ToUpper(envName(key.Env)), "Account": shortKey(key.Account),
			"Created": formatDay(saved.Created, now), "LastUsed": formatDay(saved.LastUsed, now)}))
		desc.Wrapping = fyne.TextWrapWord // a phone shows the account whole, on more lines
		resume := widget.NewButton(lang.L("Resume"), func() { s.m.resumeSaved(key) })
		forget := widget.NewButton(lang.L("Forget"), func() { s.m.forget(key) })
		s.saved.Add(s.m.newRowOrStack(600, 0, desc, container.NewHBox(resume, forget)))
	}
	s.saved.Refresh()
}

// providerInfo describes a provider.
func (s *connectStep) providerInfo(provider string) flows.ProviderInfo {
	for _, info := range s.providers {
		if info.Name == provider {
			return info
		}
	}
	return flows.ProviderInfo{Name: provider, Title: provider}
}

// shortKey keeps a partner key recognisable in a narrow row.
func shortKey(key string) string {
	if r := []rune(key); len(r) > 24 {
		return string(r[:20]) + "…"
	}
	return key
}

// checkScheme shows, for deep links, whether the system sends them here.
// The check runs system tools, so it runs off the UI thread.
func (s *connectStep) checkScheme() {
	deep := callbackChoices.value(s.callback.Selected) == flows.CallbackDeepLink
	if !deep || s.m.opts.Scheme == nil {
		s.scheme.Hide()
		s.register.Hide()
		return
	}
	s.scheme.SetText(lang.L("Checking whether io.qexcompanion.app links open in this app…"))
	s.scheme.Show()
	go func() {
		ok, detail := s.m.opts.Scheme.Status()
		s.m.opts.Do(func() { s.showScheme(ok, detail) })
	}()
}

func (s *connectStep) showScheme(registered bool, detail msg.Message) {
	if callbackChoices.value(s.callback.Selected) != flows.CallbackDeepLink {
		return // the user chose another mode meanwhile
	}
	s.scheme.SetText(sentence(oneline.Sentence(say(detail))))
	s.register.Hidden = registered
	s.register.Enable()
	s.register.Refresh()
}

func (s *connectStep) registerScheme() {
	s.register.Disable()
	go func() {
		err := s.m.opts.Scheme.Register()
		s.m.opts.Do(func() {
			if err != nil {
				s.register.Enable()
				s.scheme.SetText(lang.L("Could not register: {{.Err}}", map[string]any{"Err": sayErr(err)}))
				return
			}
			s.checkScheme()
		})
	}()
}

// setTarget fills the form with t.
func (s *connectStep) setTarget(t flows.Target) {
	s.provider.SetSelected(lang.L(s.providers[0].Title))
	for _, info := range s.providers {
		if info.Name == t.Provider {
			s.provider.SetSelected(lang.L(info.Title))
		}
	}
	f := s.form()
	for name, entry := range f.entries {
		entry.SetText(t.Inputs[name])
	}
	for name, choice := range f.choices {
		if v := t.Inputs[name]; v != "" {
			choice.SetSelected(v)
		}
	}
	s.env.SetSelected(envChoices.label(t.Env))
	s.apiBase.SetText(t.APIBase)
	s.baseRow.Hidden = t.Env != flows.EnvCustom && t.APIBase == ""
	s.baseRow.Refresh()
	if s.scenarios != nil {
		s.scenarios.follow(t.Env)
	}
	callback := callbackChoices.label(t.Callback)
	if callback == "" {
		callback = lang.L(choiceLoopback)
	}
	s.callback.SetSelected(callback)
}

// info shows a notice that is not an error (signed out, a saved session
// was replaced).
func (s *connectStep) info(msg string) {
	s.infoL.SetText(msg)
	s.infoL.Show()
}

func (s *connectStep) number() int                { return 1 }
func (s *connectStep) name() string               { return lang.L("Connect") }
func (s *connectStep) content() fyne.CanvasObject { return s.body }

func (s *connectStep) envChanged(choice string) {
	env := envChoices.value(choice)
	s.baseRow.Hidden = env != flows.EnvCustom
	s.baseRow.Refresh()
	s.fillSandbox(env)
	s.m.badge.set(env)
	if s.scenarios != nil {
		s.scenarios.follow(env)
	}
	s.clearError()
}

// target is what the form holds.
func (s *connectStep) target() flows.Target {
	f := s.form()
	t := flows.Target{Provider: f.info.Name, Env: envChoices.value(s.env.Selected), Inputs: flows.Inputs{}, Callback: callbackChoices.value(s.callback.Selected)}
	for _, field := range f.info.Fields {
		t.Inputs[field.Name] = f.value(field.Name)
	}
	if t.Env == flows.EnvCustom || !s.baseRow.Hidden {
		t.APIBase = strings.TrimSpace(s.apiBase.Text)
	}
	return t
}

func (s *connectStep) showError(msg string) {
	s.errLabel.SetText(oneline.Sentence(msg))
	s.errLabel.Show()
	s.button.SetText(lang.L("Retry"))
}

func (s *connectStep) clearError() {
	s.errLabel.Hide()
	s.button.SetText(connectLabel(s.form().info))
}

// connectLabel is the Connect button's text for the provider info
// describes: "Connect with Liquid".
func connectLabel(info flows.ProviderInfo) string {
	brand := info.Brand
	if brand == "" {
		brand = info.Title
	}
	return lang.L("Connect with {{.Brand}}", map[string]any{"Brand": brand})
}

func (s *connectStep) busy(on bool) {
	s.ticker.Stop()
	if on {
		s.clearError()
		s.infoL.Hide()
		s.button.Disable()
		s.activity.Show()
		s.activity.Start()
		s.cancel.Show()
		s.waitingFor(s.where(), s.m.opts.Now())
		return
	}
	s.button.Enable()
	s.activity.Stop()
	s.activity.Hide()
	s.waiting.Hide()
	s.cancel.Hide()
}

// where names the server a connection is made to, for the wait.
func (s *connectStep) where() string {
	t := s.target()
	base := t.APIBase
	switch {
	case base == "" && t.Env == flows.EnvSandbox:
		return lang.L("the embedded sandbox")
	case base == "":
		base = s.form().info.ProductionBase
	}
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return oneline.Clean(u.Host, 80)
	}
	return oneline.Clean(base, 80)
}

// waitingFor shows "Connecting to WHERE… m:ss", every second until busy
// ends.
func (s *connectStep) waitingFor(where string, start time.Time) {
	show := func() {
		d := s.m.opts.Now().Sub(start).Round(time.Second)
		s.waiting.SetText(lang.L("Connecting to {{.Where}}… {{.Elapsed}}", map[string]any{"Where": where, "Elapsed": minSec(d)}))
	}
	show()
	s.waiting.Show()
	s.ticker.start(s.m.opts.Do, show)
}

// useSandboxValues puts the sandbox's built-in inputs back in the form,
// after the user edited them.
func (s *connectStep) useSandboxValues() {
	f := s.form()
	for name, v := range s.m.opts.SandboxInputs[f.info.Name] {
		if entry := f.entries[name]; entry != nil {
			entry.SetText(v)
		}
	}
	for _, field := range f.info.Fields {
		if field.Secret {
			f.entries[field.Name].SetText("") // empty: the sandbox's own
		}
	}
	s.env.SetSelected(lang.L(choiceSandbox))
	s.clearError()
}
