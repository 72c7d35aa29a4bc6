package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// SandboxScenarios are the embedded sandbox's scenarios: ways its
// emulators misbehave on demand, picked on the Connect step.
type SandboxScenarios struct {
	Names     []string          // the default (documented behaviour) first
	Summaries map[string]string // what each does, one line, in English
	Active    string
	// Set makes a scenario active from the next call to the sandbox on.
	Set func(name string)
	// Inapplicable says why a scenario cannot happen for a provider, or
	// is zero when it can.
	Inapplicable func(provider, name string) msg.Message
}

// scenarioPicker is the Connect step's "Sandbox scenario" row, shown only
// for the sandbox.
type scenarioPicker struct {
	m       *MainWindow
	connect *connectStep
	opts    *SandboxScenarios
	choice  *widget.Select
	summary *widget.Label
	row     *fyne.Container
}

// newScenarioPicker returns the picker, or nil when the app has no
// embedded sandbox to misbehave.
func newScenarioPicker(m *MainWindow, connect *connectStep) *scenarioPicker {
	opts := m.opts.Scenarios
	if opts == nil || len(opts.Names) == 0 {
		return nil
	}
	p := &scenarioPicker{m: m, connect: connect, opts: opts, summary: widget.NewLabel("")}
	p.summary.Wrapping = fyne.TextWrapWord
	p.choice = widget.NewSelect(opts.Names, nil)
	p.row = container.NewVBox(widget.NewLabel(lang.L("Sandbox scenario")), p.choice, p.summary)
	active := opts.Active
	if active == "" {
		active = opts.Names[0]
	}
	p.choice.SetSelected(active) // the connect step describes it once its form is in place
	p.choice.OnChanged = p.changed
	return p
}

func (p *scenarioPicker) changed(name string) {
	p.opts.Set(name)
	p.describe()
	p.m.badge.setScenario(p.active())
}

// active is the scenario in play: none off the sandbox.
func (p *scenarioPicker) active() string {
	if p.row.Hidden {
		return ""
	}
	return p.choice.Selected
}

// describe says what the scenario does, or why it cannot happen for the
// chosen provider.
func (p *scenarioPicker) describe() {
	if why := p.inapplicable(); !why.IsZero() {
		p.summary.SetText(lang.L("It does not apply to this provider: {{.Why}}.", map[string]any{"Why": say(why)}))
		return
	}
	p.summary.SetText(lang.L(p.opts.Summaries[p.choice.Selected]))
}

// inapplicable says why the scenario cannot happen for the chosen
// provider, or is zero when it can.
func (p *scenarioPicker) inapplicable() msg.Message {
	if p.opts.Inapplicable == nil {
		return msg.Message{}
	}
	return p.opts.Inapplicable(p.connect.form().info.Name, p.choice.Selected)
}

// follow shows the picker for the embedded sandbox only (not for a
// sandbox at an API base the user gave: its scenarios are not the app's to
// choose), and re-describes the scenario for the provider chosen.
func (p *scenarioPicker) follow(env string) {
	p.row.Hidden = env != flows.EnvSandbox || !p.connect.baseRow.Hidden
	p.row.Refresh()
	p.describe()
	p.m.badge.setScenario(p.active())
}
