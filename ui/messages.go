package ui

import (
	"fyne.io/fyne/v2/lang"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// windowLanguage renders the flows' messages through lang: the template of
// a kind is its msg.Kind.ID in the translations, its English where there
// is none. What a server said arrives as a parameter its template quotes.
type windowLanguage struct{}

func (windowLanguage) Execute(k msg.Kind, args map[string]any) string {
	return lang.X(k.ID(), k.English(), args)
}

// Foreign text (an operating system's error, a library's) is none of the
// app's words: a translation marks it as quoted.
func (windowLanguage) Foreign(text string) string {
	return lang.X(foreignKey, "{{.Text}}", map[string]any{"Text": text})
}

// foreignKey is the template of foreign text in the translations.
const foreignKey = "msg.foreign-text"

// say is m in the window's language.
func say(m msg.Message) string { return m.Render(windowLanguage{}) }

// sayErr is err in the window's language: its message, or its own text.
func sayErr(err error) string { return msg.RenderError(err, windowLanguage{}) }

// sayEvent is an event's summary in the window's language.
func sayEvent(e flows.Event) string {
	if s, ok := e.(flows.Summarized); ok {
		return say(s.Message())
	}
	return e.String()
}

// sentence ends text as a sentence in the window's language.
func sentence(text string) string {
	return lang.X("msg.sentence", "{{.Text}}.", map[string]any{"Text": text})
}
