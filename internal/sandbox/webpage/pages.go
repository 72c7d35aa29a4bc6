package webpage

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/internal/acceptlang"
)

// layout is the sandbox's page frame, which every page fills.
var (
	layout    = template.Must(template.New("layout").Funcs(Funcs).ParseFS(assets.FS, "sandbox/layout.html"))
	messageTP = Template(assets.FS, "sandbox/message.html")
)

// Template is the page named name in files, in the sandbox's frame.
func Template(files fs.FS, name string) *template.Template {
	return template.Must(template.Must(layout.Clone()).ParseFS(files, name))
}

// Write answers with the page tp executes as name with data (CSS is added),
// whose form may post to formTarget too (see Headers): a page that cannot be
// made is a 500 saying so, in the page's language (data's "Lang").
func Write(w http.ResponseWriter, status int, tp *template.Template, name string, data map[string]any, formTarget string) {
	var buf bytes.Buffer
	data["CSS"] = CSS
	if err := tp.ExecuteTemplate(&buf, name, data); err != nil {
		Write(w, http.StatusInternalServerError, messageTP, "message.html", message(data["Lang"], "Sandbox error", "The page could not be shown."), "")
		return
	}
	Headers(w, formTarget)
	if lang, ok := data["Lang"].(string); ok {
		w.Header().Set("Content-Language", lang)
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the browser went away
}

// WriteMessage answers with a page that says text under title, in the
// language r's browser asks for (Accept-Language). Title and text are
// English, the keys of the translations; text is a format whose args are
// translated too when they are texts of the pages (a reason the emulator's
// API also gives, in English).
func WriteMessage(w http.ResponseWriter, r *http.Request, status int, title, text string, args ...any) {
	Write(w, status, messageTP, "message.html", Message(r, title, text, args...), "")
}

// Message is the data of a message page (Title, Text and Lang) for r's
// browser, for an emulator's own message page: see WriteMessage.
func Message(r *http.Request, title, text string, args ...any) map[string]any {
	return message(acceptlang.Preferred(r), title, text, args...)
}

func message(lang any, title, text string, args ...any) map[string]any {
	for i, arg := range args {
		if s, ok := arg.(string); ok {
			args[i] = translate(lang, s)
		}
	}
	if lang == nil {
		lang = "en"
	}
	return map[string]any{"Title": translate(lang, title), "Text": fmt.Sprintf(translate(lang, text), args...), "Lang": lang}
}
