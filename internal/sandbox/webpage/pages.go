package webpage

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/qexcompanion/qex-companion/assets"
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
// made is a 500 saying so.
func Write(w http.ResponseWriter, status int, tp *template.Template, name string, data map[string]any, formTarget string) {
	var buf bytes.Buffer
	data["CSS"] = CSS
	if err := tp.ExecuteTemplate(&buf, name, data); err != nil {
		WriteMessage(w, http.StatusInternalServerError, "Sandbox error", "The page could not be shown.")
		return
	}
	Headers(w, formTarget)
	w.WriteHeader(status)
	w.Write(buf.Bytes()) //nolint:errcheck // the browser went away
}

// WriteMessage answers with a page that says text under title.
func WriteMessage(w http.ResponseWriter, status int, title, text string) {
	Write(w, status, messageTP, "message.html", map[string]any{"Title": title, "Text": text}, "")
}
