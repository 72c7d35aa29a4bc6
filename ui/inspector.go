package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/internal/privatefile"
)

// logEntry is one line of the event log.
type logEntry struct {
	at   time.Time
	text string
}

// inspector lists every HTTP exchange of the flows, already redacted by
// flows, and every event, for people finding out why something failed.
type inspector struct {
	m         *MainWindow
	exchanges []flows.HTTPExchange
	shown     []int // indexes in exchanges of those the filter lets through
	selected  int   // index in exchanges of the one in details; -1 for none
	events    []logEntry
	widget    []flows.WidgetEvent

	filter     *widget.Entry
	copyCurl   *widget.Button
	exportHAR  *widget.Button
	note       *widget.Label
	httpList   *widget.List
	details    *widget.Label
	widgetList *widget.List
	widgetJSON *widget.Label
	eventList  *widget.List
	httpTab    *container.TabItem
	eventTab   *container.TabItem
	widgetTab  *container.TabItem
	tabs       *container.AppTabs
	content    fyne.CanvasObject
}

// detailsPrompt is what the details pane says before an exchange is chosen.
func detailsPrompt() string {
	return lang.L("Select an exchange to see its request and response. Secrets and JWTs are shown as {{.Redacted}}.", map[string]any{"Redacted": flows.Redacted})
}

// showPrompt has the details pane say what it is for, as a sentence that
// wraps between words.
func (i *inspector) showPrompt() {
	i.details.TextStyle, i.details.Wrapping = fyne.TextStyle{}, fyne.TextWrapWord
	i.details.SetText(detailsPrompt())
}

// showExchange shows ex's request and response in the details pane, in
// monospace, wrapping anywhere: headers, URLs and JSON have long words.
func (i *inspector) showExchange(ex flows.HTTPExchange) {
	i.details.TextStyle, i.details.Wrapping = fyne.TextStyle{Monospace: true}, fyne.TextWrapBreak
	i.details.SetText(exchangeDetails(ex))
}

func newInspector(m *MainWindow) *inspector {
	i := &inspector{m: m, selected: -1}
	i.details = widget.NewLabel("")
	i.details.Selectable = true
	i.showPrompt()

	i.httpList = widget.NewList(
		func() int { return len(i.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Wrapping = fyne.TextWrapWord // a phone shows the row on two lines, never a cut status or latency
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			ex := i.exchanges[i.shown[id]]
			l := o.(*widget.Label)
			l.Importance = exchangeImportance(ex)
			l.SetText(exchangeLine(ex))
			i.httpList.SetItemHeight(id, rowLabelHeight(l.Text, l.TextStyle, l.Wrapping, i.httpList.Size().Width))
		},
	)
	i.httpList.OnSelected = func(id widget.ListItemID) {
		i.selected = i.shown[id]
		i.showExchange(i.exchanges[i.selected])
		i.copyCurl.Enable()
	}
	i.httpList.OnUnselected = func(widget.ListItemID) {
		i.selected = -1
		i.copyCurl.Disable()
	}

	i.filter = widget.NewEntry()
	i.filter.PlaceHolder = lang.L("Filter: method, host, path, status") // measured when first shown
	i.filter.OnChanged = func(string) { i.applyFilter() }
	i.copyCurl = newDisabledButton(lang.L("Copy as curl"), nil, i.copySelectedAsCurl)
	i.exportHAR = newDisabledButton(lang.L("Export HAR…"), nil, i.exportHARDialog)
	clearAll := widget.NewButton(lang.L("Clear"), i.clear)
	i.note = widget.NewLabel("")
	i.note.Wrapping = fyne.TextWrapWord
	i.note.Hide()
	tools := container.NewVBox(i.filter, container.NewHBox(i.copyCurl, i.exportHAR, clearAll), i.note)

	i.eventList = widget.NewList(
		func() int { return len(i.events) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			e := i.events[id]
			l := o.(*widget.Label)
			l.SetText(e.at.Format("15:04:05.000") + "  " + e.text)
			i.eventList.SetItemHeight(id, rowLabelHeight(l.Text, l.TextStyle, l.Wrapping, i.eventList.Size().Width))
		},
	)

	split := container.NewVSplit(container.NewBorder(tools, nil, nil, nil, newRemeasured(i.httpList)), container.NewVScroll(i.details))
	split.Offset = 0.4
	i.httpTab = container.NewTabItem("HTTP", split)
	i.eventTab = container.NewTabItem(lang.L("Events"), newRemeasured(i.eventList))
	i.widgetTab = container.NewTabItem(lang.L("Widget"), i.newWidgetPanel())
	i.tabs = container.NewAppTabs(i.httpTab, i.eventTab, i.widgetTab)
	i.content = i.tabs
	return i
}

// showWidgetTab shows the Widget tab, last, only for a provider with a
// widget: the others send no widget events.
func (i *inspector) showWidgetTab(want bool) {
	switch shown := slices.Contains(i.tabs.Items, i.widgetTab); {
	case want && !shown:
		i.tabs.Append(i.widgetTab)
	case !want && shown:
		i.tabs.Remove(i.widgetTab)
	}
}

// log records an event: exchanges in the HTTP list, widget events in the
// Widget list, everything in the log.
func (i *inspector) log(e flows.Event) {
	switch e := e.(type) {
	case flows.HTTPExchange:
		i.exchanges = append(i.exchanges, e)
		if i.passes(e) {
			i.shown = append(i.shown, len(i.exchanges)-1)
		}
		i.httpTab.Text = counted("HTTP", len(i.exchanges))
		i.exportHAR.Enable()
		i.httpList.Refresh()
		i.tabs.Refresh()
	case flows.WidgetEvent:
		i.widget = append(i.widget, e)
		i.widgetTab.Text = counted(lang.L("Widget"), len(i.widget))
		i.widgetList.Refresh()
		i.widgetList.ScrollToBottom()
		i.tabs.Refresh()
	}
	i.logText(sayEvent(e))
}

// newWidgetPanel lists widget events live: time, name, a one-line summary;
// the selected one's JSON below.
func (i *inspector) newWidgetPanel() fyne.CanvasObject {
	i.widgetJSON = widget.NewLabel(lang.L("Open the widget from the last step; each event it emits appears here."))
	i.widgetJSON.Wrapping = fyne.TextWrapBreak
	i.widgetJSON.Selectable = true
	i.widgetJSON.TextStyle = fyne.TextStyle{Monospace: true}
	i.widgetList = widget.NewList(
		func() int { return len(i.widget) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(widgetLine(i.widget[id])) },
	)
	i.widgetList.OnSelected = func(id widget.ListItemID) { i.widgetJSON.SetText(widgetDetails(i.widget[id])) }
	split := container.NewVSplit(i.widgetList, container.NewVScroll(i.widgetJSON))
	split.Offset = 0.5
	return split
}

func widgetLine(e flows.WidgetEvent) string {
	return e.At.Format("15:04:05.000") + "  " + e.Name + "  " + e.Summary()
}

func widgetDetails(e flows.WidgetEvent) string { return e.Name + "\n" + e.Pretty() }

func (i *inspector) logText(text string) {
	i.events = append(i.events, logEntry{at: i.m.opts.Now(), text: text})
	i.eventTab.Text = counted(lang.L("Events"), len(i.events))
	i.eventList.Refresh()
	i.tabs.Refresh()
}

// counted is a tab's title: its name, and how many things it lists once
// there are some.
func counted(name string, n int) string {
	if n == 0 {
		return name
	}
	return fmt.Sprintf("%s (%d)", name, n)
}

// passes reports whether ex shows under the filter: every word of it is in
// the exchange's method, host, path or status.
func (i *inspector) passes(ex flows.HTTPExchange) bool {
	listed := strings.ToLower(strings.Join([]string{ex.Method, ex.Host(), ex.Path, exchangeStatus(ex)}, " "))
	for _, word := range strings.Fields(strings.ToLower(i.filter.Text)) {
		if isStatusCode(word) {
			// "404" means the status, not a port such as 44043 that
			// holds those digits (nor part of a longer number).
			if word != exchangeStatus(ex) && !slices.Contains(strings.FieldsFunc(ex.Path, notDigit), word) {
				return false
			}
			continue
		}
		if !strings.Contains(listed, word) {
			return false
		}
	}
	return true
}

// isStatusCode reports whether word is three digits, as an HTTP status is.
func isStatusCode(word string) bool {
	return len(word) == 3 && strings.IndexFunc(word, notDigit) < 0
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// applyFilter lists the exchanges that pass the filter, keeping the
// selected one in details if it still shows.
func (i *inspector) applyFilter() {
	selected := i.selected
	i.httpList.UnselectAll()
	i.shown = i.shown[:0]
	for n, ex := range i.exchanges {
		if i.passes(ex) {
			i.shown = append(i.shown, n)
		}
	}
	i.httpList.Refresh()
	if at := slices.Index(i.shown, selected); selected >= 0 && at >= 0 {
		i.httpList.Select(at)
	} else {
		i.showPrompt()
	}
}

// clear forgets the exchanges and events shown so far, for a fresh look at
// the next call; the flows go on as they were.
func (i *inspector) clear() {
	i.httpList.UnselectAll()
	i.exchanges, i.shown, i.events = nil, nil, nil
	i.showPrompt()
	i.note.Hide()
	i.exportHAR.Disable()
	i.httpTab.Text, i.eventTab.Text = counted("HTTP", 0), counted(lang.L("Events"), 0)
	i.httpList.Refresh()
	i.eventList.Refresh()
	i.tabs.Refresh()
}

func (i *inspector) tell(text string) {
	i.note.SetText(text)
	i.note.Show()
}

// copySelectedAsCurl puts the selected exchange's request on the clipboard
// as a curl command; its secrets are placeholders, which the note says.
func (i *inspector) copySelectedAsCurl() {
	if i.selected < 0 {
		return
	}
	ex := i.exchanges[i.selected]
	i.m.app.Clipboard().SetContent(ex.Curl())
	i.tell(lang.L("Copied a curl command for {{.Method}} {{.Path}}. Secrets in it are shown as {{.Redacted}}: fill them in before running it.", map[string]any{"Method": ex.Method, "Path": ex.Path, "Redacted": flows.Redacted}))
}

func (i *inspector) exportHARDialog() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			i.tell(oneline.Sentence(sayErr(err)))
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close() // the dialog created it with default permissions: replace it
		i.saveHAR(path)
	}, i.m.win)
	d.SetFileName("qex-companion-" + i.m.opts.Now().Format("20060102-150405") + ".har")
	d.Show()
}

// saveHAR writes every exchange, whatever the filter shows, as an HTTP
// Archive only the user can read, and says how it went.
func (i *inspector) saveHAR(path string) {
	data, err := flows.HAR(i.exchanges, Title+"/"+i.m.app.Metadata().Version)
	if err == nil {
		err = privatefile.Write(path, data)
	}
	if err != nil {
		i.tell(lang.L("Could not export the HAR file: {{.Err}}", map[string]any{"Err": sayErr(err)}))
		return
	}
	i.tell(lang.L("Saved {{.Count}} exchanges to {{.Path}} (readable only by you). Secrets in it are shown as {{.Redacted}}.", map[string]any{"Count": len(i.exchanges), "Path": path, "Redacted": flows.Redacted}))
}

// exchangeImportance colours a row: failures red, refusals orange.
func exchangeImportance(ex flows.HTTPExchange) widget.Importance {
	switch {
	case ex.Err != "" || ex.Status >= 500:
		return widget.DangerImportance
	case ex.Status >= 400:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

func exchangeStatus(ex flows.HTTPExchange) string {
	if ex.Err != "" {
		return "ERR"
	}
	return fmt.Sprint(ex.Status)
}

// exchangeLine is one row of the list; a narrow window wraps it between
// its parts.
func exchangeLine(ex flows.HTTPExchange) string {
	return fmt.Sprintf("%s  %-4s %s  %s  %s  %s", ex.Start.Format("15:04:05"), ex.Method, exchangeStatus(ex), ex.Host(), latency(ex.Latency), ex.Path)
}

func latency(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return fmt.Sprintf("%dms", d.Milliseconds()) // one word: a wrapped row keeps it whole
}

func exchangeDetails(ex flows.HTTPExchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", ex.Method, ex.URL)
	if ex.Err != "" {
		b.WriteString(lang.L("No answer: {{.Err}} (after {{.Latency}})", map[string]any{"Err": ex.Err, "Latency": latency(ex.Latency)}) + "\n")
	} else {
		b.WriteString(lang.L("Status {{.Status}} · {{.Latency}} · {{.At}}", map[string]any{"Status": ex.Status, "Latency": latency(ex.Latency), "At": ex.Start.Format("15:04:05.000")}) + "\n")
	}
	section := func(title, text string) {
		if text = strings.TrimSpace(text); text != "" {
			fmt.Fprintf(&b, "\n%s\n%s\n", title, text)
		}
	}
	section(lang.L("Request headers"), ex.RequestHeaders)
	section(lang.L("Request body"), ex.RequestBody)
	section(lang.L("Response headers"), ex.ResponseHeaders)
	section(lang.L("Response body"), ex.ResponseBody)
	return b.String()
}
