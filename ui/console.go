package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// consoleMethods are the methods the console sends.
var consoleMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// consoleTimeout bounds one request from the console.
const consoleTimeout = 30 * time.Second

// console sends one request at a time with the connected session's own
// authentication (the window's --call) and keeps the session's history.
type console struct {
	m        *MainWindow
	method   *widget.Select
	path     *widget.Entry
	body     *widget.Entry
	send     *widget.Button
	status   *widget.Label
	response *widget.Label
	history  *widget.List
	past     []consoleEntry
	content  fyne.CanvasObject
}

// consoleEntry is one request sent and what came back, as shown.
type consoleEntry struct {
	method, path, body string
	summary, shown     string
}

func newConsole(m *MainWindow) *console {
	c := &console{m: m}
	// Fields set directly, not through setters that measure their text
	// before the Console is first shown.
	c.method = widget.NewSelect(consoleMethods, nil)
	c.method.Selected = "GET"
	c.path = widget.NewEntry()
	c.path.PlaceHolder = lang.L("/path?query") // the field is 150 px wide on a phone
	c.path.OnSubmitted = func(string) { c.sendRequest() }
	c.body = widget.NewMultiLineEntry() // three rows high, Fyne's default
	c.body.PlaceHolder = lang.L("JSON body (optional)")
	c.send = widget.NewButton(lang.L("Send"), c.sendRequest)
	c.send.Importance = widget.HighImportance
	c.status = widget.NewLabel(lang.L("Connect first; then requests go out with the session's own authentication."))
	c.status.Wrapping = fyne.TextWrapWord
	c.response = widget.NewLabel("")
	c.response.TextStyle = fyne.TextStyle{Monospace: true}
	c.response.Wrapping = fyne.TextWrapBreak
	c.response.Selectable = true // for copying a part
	c.history = widget.NewList(
		func() int { return len(c.past) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(c.past[len(c.past)-1-i].summary)
		},
	)
	c.history.OnSelected = func(i widget.ListItemID) { c.showEntry(c.past[len(c.past)-1-i]) }
	request := container.NewBorder(nil, nil, c.method, c.send, c.path)
	top := container.NewVBox(request, c.body, c.status)
	split := container.NewVSplit(container.NewVScroll(c.response), c.history)
	split.Offset = 0.7
	c.content = container.NewBorder(top, nil, nil, nil, split)
	return c
}

// connected says requests now go out as the new session.
func (c *console) connected(provider string) {
	if len(c.past) == 0 {
		c.status.SetText(lang.L("Connected to {{.Provider}}: requests go out with the session's own authentication.", map[string]any{"Provider": lang.L(provider)}))
	}
}

// sendRequest sends what the form holds, off the UI thread.
func (c *console) sendRequest() {
	method, path, body := c.method.Selected, strings.TrimSpace(c.path.Text), strings.TrimSpace(c.body.Text)
	if !strings.HasPrefix(path, "/") {
		c.status.SetText(lang.L("Enter a path that starts with /, as the Inspector lists them."))
		return
	}
	var payload []byte
	if body != "" {
		payload = []byte(body)
	}
	c.send.Disable()
	c.status.SetText(lang.L("Sending {{.Method}} {{.Path}}…", map[string]any{"Method": method, "Path": oneline.Clean(path, 120)}))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), consoleTimeout)
		defer cancel()
		resp, err := c.m.engine.Call(ctx, method, path, payload)
		c.m.opts.Do(func() { c.answered(method, path, body, resp, err) })
	}()
}

// answered shows an answer, or why none came, and adds it to the history.
func (c *console) answered(method, path, body string, resp *flows.CallResponse, err error) {
	c.send.Enable()
	e := consoleEntry{method: method, path: path, body: body}
	if err != nil {
		e.summary = fmt.Sprintf("%s %s → %s", method, oneline.Clean(path, 80), oneline.Clean(sayErr(err), 120))
		e.shown = sentence(oneline.Sentence(sayErr(err)))
	} else {
		headers, shownBody := resp.Shown()
		e.summary = fmt.Sprintf("%s %s → %d in %s", method, oneline.Clean(path, 80), resp.Status, resp.Latency.Round(time.Millisecond))
		e.shown = fmt.Sprintf("HTTP %d · %s\n\n%s\n%s", resp.Status, resp.Latency.Round(time.Millisecond), headers, shownBody)
	}
	c.past = append(c.past, e)
	c.history.Refresh()
	c.showEntry(e)
}

func (c *console) showEntry(e consoleEntry) {
	c.status.SetText(e.summary)
	c.response.SetText(e.shown)
}
