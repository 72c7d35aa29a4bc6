package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// configStep shows the widget identity configuration, its secret masked
// until the user reveals it.
type configStep struct {
	m        *MainWindow
	cfg      widgetcfg.Config
	revealed bool

	json     *widget.Label
	reveal   *widget.Button
	notice   *widget.Label
	errLabel *widget.Label
	body     fyne.CanvasObject
}

func newConfigStep(m *MainWindow) *configStep {
	s := &configStep{m: m}
	s.json = widget.NewLabel("")
	s.json.TextStyle = fyne.TextStyle{Monospace: true}
	s.json.Selectable = true
	s.json.Wrapping = fyne.TextWrapBreak
	s.notice = widget.NewLabel("")
	s.notice.Wrapping = fyne.TextWrapWord
	s.errLabel = newErrorLabel()
	s.reveal = widget.NewButton(lang.L("Reveal secret"), s.toggleReveal)
	copyBtn := widget.NewButton(lang.L("Copy"), s.copyJSON)
	copyBtn.Importance = widget.HighImportance
	saveBtn := widget.NewButton(lang.L("Save as…"), s.saveAs)
	widgetBtn := widget.NewButton(lang.L("Open widget"), func() { m.openWidget(s.cfg) })
	back := widget.NewButton(lang.L("← Balances"), func() { m.show(m.balances) })
	again := widget.NewButton(lang.L("New connection"), func() { m.cancelFlow() })

	intro := widget.NewLabel(lang.L("Initialise the partner's QEX widget with this configuration to act for the connected user."))
	intro.Wrapping = fyne.TextWrapWord
	warning := widget.NewLabel(lang.L("It contains the session secret: share it only with the partner's widget."))
	warning.Wrapping = fyne.TextWrapWord
	warning.Importance = widget.WarningImportance
	s.body = container.NewBorder(
		container.NewVBox(intro, warning, newButtonGrid(s.reveal, copyBtn, saveBtn, widgetBtn), s.notice, s.errLabel),
		container.NewHBox(back, again, widget.NewButton(lang.L("Sign out"), m.signOut)),
		nil, nil,
		container.NewVScroll(s.json))
	return s
}

func (s *configStep) number() int                { return 4 }
func (s *configStep) name() string               { return lang.L("Widget configuration") }
func (s *configStep) content() fyne.CanvasObject { return s.body }

func (s *configStep) set(cfg widgetcfg.Config) {
	s.cfg = cfg
	s.revealed = false
	s.notice.SetText("")
	s.render()
	s.m.editor.update() // the editor runs with the connected session's key and identity
}

func (s *configStep) render() {
	shown := s.cfg.Masked()
	s.reveal.SetText(lang.L("Reveal secret"))
	if s.revealed {
		shown = s.cfg
		s.reveal.SetText(lang.L("Hide secret"))
	}
	text, err := shown.MarshalIndent()
	if err != nil {
		s.showError(err)
		return
	}
	s.json.SetText(string(text))
}

func (s *configStep) toggleReveal() {
	s.revealed = !s.revealed
	s.render()
}

func (s *configStep) copyJSON() {
	text, err := s.cfg.MarshalIndent()
	if err != nil {
		s.showError(err)
		return
	}
	s.m.app.Clipboard().SetContent(string(text))
	s.notice.SetText(lang.L("Copied. It contains the session secret: paste it only into the partner's widget setup."))
}

func (s *configStep) saveAs() {
	d := dialog.NewFileSave(s.saveTo, s.m.win)
	d.SetFileName("qex-widget-config.json")
	d.Show()
}

// saveTo writes the configuration where the save dialog pointed.
func (s *configStep) saveTo(w fyne.URIWriteCloser, err error) {
	if err != nil {
		s.showError(err)
		return
	}
	if w == nil {
		return // cancelled
	}
	path := w.URI().Path()
	w.Close() // the dialog created it with default permissions: replace it
	if err := s.cfg.WriteFile(path); err != nil {
		s.showError(err)
		return
	}
	s.errLabel.Hide()
	s.notice.SetText(lang.L("Saved to {{.Path}} (readable only by you).", map[string]any{"Path": path}))
}

// written reports the --out file.
func (s *configStep) written(e flows.ConfigWritten) {
	if e.Err != nil {
		s.showError(e.Err)
		return
	}
	s.notice.SetText(lang.L("Also written to {{.Path}}.", map[string]any{"Path": e.Path}))
}

func (s *configStep) showError(err error) {
	s.errLabel.SetText(oneline.Sentence(sayErr(err)))
	s.errLabel.Show()
}

// widgetReady says where the widget page is.
// Both this step and the editor say it: either may have opened the widget.
func (s *configStep) widgetReady(e flows.WidgetHostReady) {
	s.errLabel.Hide()
	text := lang.L("The widget opened in your browser ({{.URL}}). Its events appear in the Inspector, under Widget.", map[string]any{"URL": e.URL})
	if e.OpenErr != nil {
		text = lang.L("The widget page is at {{.URL}}; open it in a browser ({{.Err}}). Its events appear in the Inspector.", map[string]any{"URL": e.URL, "Err": oneline.Clean(sayErr(e.OpenErr), 200)})
	}
	s.notice.SetText(text)
	s.m.editor.notice.SetText(text)
}
