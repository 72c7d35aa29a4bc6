package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
)

// twoHostExchanges sends calls through the inspecting client to two real
// servers, one standing for the sandbox and one for production: a session
// create whose answer holds a secret, an accounts call with a Bearer JWT,
// a 404, a 500, and a call to a port nobody listens on. It returns the
// exchanges and the servers' hosts.
func twoHostExchanges(t *testing.T) (exchanges []flows.Event, sandboxHost, productionHost string) {
	t.Helper()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/session":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"payload":{"session_id":"s-1","session_secret":"top-secret"}}`))
		case "/api/v1/accounts":
			w.Write([]byte(`{"fiat_accounts":[]}`))
		case "/boom":
			http.Error(w, "internal", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	})
	sandbox, production := httptest.NewServer(handler), httptest.NewServer(handler)
	t.Cleanup(sandbox.Close)
	t.Cleanup(production.Close)
	var mu sync.Mutex
	client := flows.NewInspectingClient(func(e flows.Event) { mu.Lock(); exchanges = append(exchanges, e); mu.Unlock() }, 5*time.Second)
	send := func(method, url, body string) {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, url, r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testJWT)
		resp, err := client.Do(req)
		if err != nil {
			return // the unreachable port: the exchange records it
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	send("POST", sandbox.URL+"/api/v1/session", `{"public_api_key":"pk_sandbox_1"}`)
	send("GET", sandbox.URL+"/api/v1/accounts", "")
	send("GET", production.URL+"/api/v1/nowhere", "")
	send("GET", production.URL+"/boom", "")
	send("GET", "http://127.0.0.1:1/api/v1/accounts", "")
	if len(exchanges) != 5 {
		t.Fatalf("%d exchanges", len(exchanges))
	}
	return exchanges, strings.TrimPrefix(sandbox.URL, "http://"), strings.TrimPrefix(production.URL, "http://")
}

const testJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXNzaW9uX2lkIjoicy0xIn0.c2lnbmF0dXJl"

// inspectorOn opens a window whose flow emitted events, on its Inspector.
func inspectorOn(t *testing.T, events []flows.Event) (*MainWindow, *inspector) {
	t.Helper()
	a := test.NewTempApp(t)
	ui := newUIThread()
	m := NewMainWindow(a, &scriptedEngine{events: events}, Options{AutoConnect: true, Do: ui.do,
		Target: flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{"public-api-key": "pk_sandbox_1"}}})
	ui.waitFor(t, "the events", func() bool { return len(ui.queue) == 0 })
	m.tabs.SelectIndex(2)
	return m, m.inspector
}

// rows is what the HTTP list shows: each row's text and colour.
func rows(t *testing.T, i *inspector) (texts []string, importance []widget.Importance) {
	t.Helper()
	for id := 0; id < i.httpList.Length(); id++ {
		l := i.httpList.CreateItem().(*widget.Label)
		i.httpList.UpdateItem(id, l)
		texts = append(texts, l.Text)
		importance = append(importance, l.Importance)
	}
	return texts, importance
}

func TestInspectorHostColumnAndColours(t *testing.T) {
	events, sandboxHost, productionHost := twoHostExchanges(t)
	_, i := inspectorOn(t, events)
	texts, importance := rows(t, i)
	if len(texts) != 5 {
		t.Fatalf("%d rows: %q", len(texts), texts)
	}
	want := []struct {
		has        []string
		importance widget.Importance
	}{
		{[]string{"POST 200  " + sandboxHost + "  ", "/api/v1/session"}, widget.MediumImportance},
		{[]string{"GET  200  " + sandboxHost + "  ", "/api/v1/accounts"}, widget.MediumImportance},
		{[]string{"GET  404  " + productionHost + "  ", "/api/v1/nowhere"}, widget.WarningImportance},
		{[]string{"GET  500  " + productionHost + "  ", "/boom"}, widget.DangerImportance},
		{[]string{"GET  ERR  127.0.0.1:1  ", "/api/v1/accounts"}, widget.DangerImportance},
	}
	for n, w := range want {
		for _, part := range w.has {
			if !strings.Contains(texts[n], part) {
				t.Errorf("row %d %q lacks %q", n, texts[n], part)
			}
		}
		if importance[n] != w.importance {
			t.Errorf("row %d %q: importance %v, want %v", n, texts[n], importance[n], w.importance)
		}
	}
}

func TestInspectorFilterNarrowsTheList(t *testing.T) {
	events, sandboxHost, productionHost := twoHostExchanges(t)
	_, i := inspectorOn(t, events)
	for _, c := range []struct {
		filter string
		want   []string // what the rows shown hold, in order
	}{
		{"post", []string{"/api/v1/session"}},
		{productionHost, []string{"/api/v1/nowhere", "/boom"}},
		// A status, never the digits of a port (the servers' ports are
		// random: 44043 holds "404").
		{"404", []string{"/api/v1/nowhere"}},
		{"err", []string{"127.0.0.1:1 "}},
		{"GET " + sandboxHost, []string{"GET  200  " + sandboxHost}},
		{"accounts", []string{sandboxHost, "127.0.0.1:1 "}},
		{"nothing-like-this", nil},
		{"", []string{"session", "accounts", "nowhere", "boom", "accounts"}},
	} {
		setText(i.filter, c.filter)
		texts, _ := rows(t, i)
		if len(texts) != len(c.want) {
			t.Errorf("filter %q: %d rows %q, want %d", c.filter, len(texts), texts, len(c.want))
			continue
		}
		for n, w := range c.want {
			if !strings.Contains(texts[n], w) {
				t.Errorf("filter %q: row %d %q lacks %q", c.filter, n, texts[n], w)
			}
		}
	}

	// A selection the filter keeps stays in details; one it hides goes.
	i.httpList.Select(3)
	setText(i.filter, "500")
	if !strings.HasPrefix(i.details.Text, "GET http://"+productionHost+"/boom") || !i.details.TextStyle.Monospace || i.details.Wrapping != fyne.TextWrapBreak {
		t.Errorf("details after filtering the selected row in: %q, monospace %v, wrapping %v", i.details.Text, i.details.TextStyle.Monospace, i.details.Wrapping)
	}
	setText(i.filter, "post")
	// The prompt is a sentence: it wraps between words, never inside one
	// as the exchange's long URLs do.
	if i.details.Text != detailsPrompt() || !i.copyCurl.Disabled() || i.details.TextStyle.Monospace || i.details.Wrapping != fyne.TextWrapWord {
		t.Errorf("details after filtering the selected row out: %q, copy enabled %v, monospace %v, wrapping %v", i.details.Text, !i.copyCurl.Disabled(), i.details.TextStyle.Monospace, i.details.Wrapping)
	}
}

// A status typed in the filter finds that status, not a port or a longer
// number that holds its digits.
func TestInspectorFilterTakesThreeDigitsForAStatus(t *testing.T) {
	at := time.Now()
	_, i := inspectorOn(t, []flows.Event{
		flows.HTTPExchange{Start: at, Method: "GET", URL: "http://127.0.0.1:44043/a", Path: "/a", Status: 200},
		flows.HTTPExchange{Start: at, Method: "GET", URL: "http://127.0.0.1:5000/b/14040", Path: "/b/14040", Status: 200},
		flows.HTTPExchange{Start: at, Method: "GET", URL: "http://127.0.0.1:5000/c", Path: "/c", Status: 404},
		flows.HTTPExchange{Start: at, Method: "GET", URL: "http://127.0.0.1:5000/items/404", Path: "/items/404", Status: 200},
	})
	setText(i.filter, "404")
	texts, _ := rows(t, i)
	if len(texts) != 2 || !strings.HasSuffix(texts[0], "/c") || !strings.HasSuffix(texts[1], "/items/404") {
		t.Errorf("filter 404 shows %q; want the 404 and the path with 404 in it", texts)
	}
}

func TestInspectorClearEmptiesIt(t *testing.T) {
	events, _, _ := twoHostExchanges(t)
	m, i := inspectorOn(t, events)
	i.httpList.Select(0)
	test.Tap(findButton(t, i.content, "Clear"))
	if texts, _ := rows(t, i); len(texts) != 0 || len(i.exchanges) != 0 || i.eventList.Length() != 0 {
		t.Errorf("after Clear: %d rows, %d exchanges, %d events", len(texts), len(i.exchanges), i.eventList.Length())
	}
	if i.httpTab.Text != "HTTP" || i.eventTab.Text != "Events" || i.details.Text != detailsPrompt() || !i.copyCurl.Disabled() || !i.exportHAR.Disabled() {
		t.Errorf("after Clear: tabs %q %q, details %q", i.httpTab.Text, i.eventTab.Text, i.details.Text)
	}
	// What comes next is listed as before.
	m.inspector.log(events[2])
	if texts, _ := rows(t, i); len(texts) != 1 || !strings.Contains(texts[0], "404") || i.httpTab.Text != "HTTP (1)" || i.exportHAR.Disabled() {
		t.Errorf("after Clear, a new exchange: rows %q, tab %q", texts, i.httpTab.Text)
	}
}

func TestInspectorCopiesAsCurl(t *testing.T) {
	events, sandboxHost, _ := twoHostExchanges(t)
	m, i := inspectorOn(t, events)
	copyButton := findButton(t, i.content, "Copy as curl")
	if !copyButton.Disabled() {
		t.Error("Copy as curl is enabled with nothing selected")
	}
	setText(i.filter, "post")
	i.httpList.Select(0)
	test.Tap(copyButton)
	copied := m.app.Clipboard().Content()
	for _, want := range []string{"[redacted]", "curl --globoff -X 'POST' 'http://" + sandboxHost + "/api/v1/session'", "Authorization: Bearer [redacted]", `"public_api_key": "pk_sandbox_1"`} {
		if !strings.Contains(copied, want) {
			t.Errorf("the clipboard lacks %q:\n%s", want, copied)
		}
	}
	if strings.Contains(copied, testJWT) || strings.Contains(copied, "eyJ") {
		t.Errorf("the clipboard holds the JWT:\n%s", copied)
	}
	if !i.note.Visible() || !strings.Contains(i.note.Text, "Copied a curl command for POST /api/v1/session") || !strings.Contains(i.note.Text, "fill them in") {
		t.Errorf("note %q visible=%v", i.note.Text, i.note.Visible())
	}
}

func TestInspectorExportsHAR(t *testing.T) {
	events, _, _ := twoHostExchanges(t)
	_, i := inspectorOn(t, events)
	setText(i.filter, "404") // the export holds the whole flow, not what the filter shows
	path := filepath.Join(t.TempDir(), "flow.har")
	i.saveHAR(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("the HAR file is %v, not 0600", info.Mode().Perm())
	}
	var har struct {
		Log struct {
			Version string
			Entries []struct {
				Request  struct{ Method, URL string }
				Response struct{ Status int }
			}
		}
	}
	if err := json.Unmarshal(data, &har); err != nil || har.Log.Version != "1.2" || len(har.Log.Entries) != len(events) {
		t.Fatalf("HAR: %v, version %q, %d entries, want %d", err, har.Log.Version, len(har.Log.Entries), len(events))
	}
	for n, e := range har.Log.Entries {
		ex := events[n].(flows.HTTPExchange)
		if e.Request.Method != ex.Method || e.Request.URL != ex.URL || e.Response.Status != ex.Status {
			t.Errorf("entry %d: %+v, want %s %s %d", n, e, ex.Method, ex.URL, ex.Status)
		}
	}
	if strings.Contains(string(data), "top-secret") || strings.Contains(string(data), "eyJ") {
		t.Errorf("the HAR holds a secret:\n%s", data)
	}
	if !strings.Contains(i.note.Text, "Saved 5 exchanges to "+path) {
		t.Errorf("note %q", i.note.Text)
	}

	// A folder that does not exist is said, not panicked over.
	i.saveHAR(filepath.Join(t.TempDir(), "no-such-folder", "flow.har"))
	if !strings.HasPrefix(i.note.Text, "Could not export the HAR file: ") || !strings.Contains(i.note.Text, "no-such-folder") {
		t.Errorf("note after a failed export: %q", i.note.Text)
	}
}
