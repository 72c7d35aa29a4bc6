package hostile_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"text/template"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// japanese renders messages with the window's Japanese templates
// (ui/translations/ja.json), as Fyne's lang does.
type japanese map[string]*template.Template

func loadJapanese(t *testing.T) japanese {
	t.Helper()
	data, err := os.ReadFile("../../ui/translations/ja.json")
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(data, &texts); err != nil {
		t.Fatal(err)
	}
	ja := japanese{}
	for key, text := range texts {
		if strings.HasPrefix(key, "msg.") {
			ja[key] = template.Must(template.New(key).Option("missingkey=error").Parse(text))
		}
	}
	return ja
}

func (ja japanese) Execute(k msg.Kind, args map[string]any) string {
	return ja.fill(k.ID(), args)
}

func (ja japanese) Foreign(text string) string {
	return ja.fill("msg.foreign-text", map[string]any{"Text": text})
}

func (ja japanese) fill(key string, args map[string]any) string {
	t, ok := ja[key]
	if !ok {
		return "(no Japanese template for " + key + ")"
	}
	var b strings.Builder
	if err := t.Execute(&b, args); err != nil {
		return "(" + key + " does not fill in: " + err.Error() + ")"
	}
	return b.String()
}

// checkJapanese renders a case's failure as the Japanese window shows it:
// no English sentence may be left outside the quoted server text.
func checkJapanese(t *testing.T, ja japanese, err error) {
	t.Helper()
	text := msg.RenderError(err, ja)
	if strings.Contains(text, "(no Japanese template") || strings.Contains(text, "does not fill in") {
		t.Errorf("in Japanese: %s", text)
	}
	if english := untranslated.Find(text); english != "" {
		t.Errorf("in Japanese the failure still says %q:\n  %s", english, text)
	}
}
