package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
)

// logEntry is one line of the event log.
type logEntry struct {
	at   time.Time
	text string
}

// inspector lists every HTTP exchange of the flows, already redacted by
// flows, and every event, for people finding out why something failed.
type inspector struct {
	now       func() time.Time
	exchanges []flows.HTTPExchange
	events    []logEntry
	widget    []flows.WidgetEvent

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

func newInspector(now func() time.Time) *inspector {
	i := &inspector{now: now}
	i.details = widget.NewLabel("Select an exchange to see its request and response. Secrets and JWTs are shown as " + flows.Redacted + ".")
	i.details.Wrapping = fyne.TextWrapBreak
	i.details.Selectable = true
	i.details.TextStyle = fyne.TextStyle{Monospace: true}

	i.httpList = widget.NewList(
		func() int { return len(i.exchanges) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(exchangeLine(i.exchanges[id]))
		},
	)
	i.httpList.OnSelected = func(id widget.ListItemID) { i.details.SetText(exchangeDetails(i.exchanges[id])) }

	i.eventList = widget.NewList(
		func() int { return len(i.events) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			e := i.events[id]
			o.(*widget.Label).SetText(e.at.Format("15:04:05.000") + "  " + e.text)
			i.eventList.SetItemHeight(id, o.MinSize().Height)
		},
	)

	split := container.NewVSplit(i.httpList, container.NewVScroll(i.details))
	split.Offset = 0.4
	i.httpTab = container.NewTabItem("HTTP", split)
	i.eventTab = container.NewTabItem("Events", i.eventList)
	i.widgetTab = container.NewTabItem("Widget", i.newWidgetPanel())
	i.tabs = container.NewAppTabs(i.httpTab, i.eventTab, i.widgetTab)
	i.content = i.tabs
	return i
}

// log records an event: exchanges in the HTTP list, widget events in the
// Widget list, everything in the log.
func (i *inspector) log(e flows.Event) {
	switch e := e.(type) {
	case flows.HTTPExchange:
		i.exchanges = append(i.exchanges, e)
		i.httpTab.Text = fmt.Sprintf("HTTP (%d)", len(i.exchanges))
		i.httpList.Refresh()
		i.tabs.Refresh()
	case flows.WidgetEvent:
		i.widget = append(i.widget, e)
		i.widgetTab.Text = fmt.Sprintf("Widget (%d)", len(i.widget))
		i.widgetList.Refresh()
		i.widgetList.ScrollToBottom()
		i.tabs.Refresh()
	}
	i.logText(e.String())
}

// newWidgetPanel lists widget events live: time, name, a one-line summary;
// the selected one's JSON below.
func (i *inspector) newWidgetPanel() fyne.CanvasObject {
	i.widgetJSON = widget.NewLabel("Open the widget from the last step; each event it emits appears here.")
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
	i.events = append(i.events, logEntry{at: i.now(), text: text})
	i.eventTab.Text = fmt.Sprintf("Events (%d)", len(i.events))
	i.eventList.Refresh()
	i.tabs.Refresh()
}

func exchangeLine(ex flows.HTTPExchange) string {
	status := fmt.Sprint(ex.Status)
	if ex.Err != "" {
		status = "ERR"
	}
	return fmt.Sprintf("%s  %-4s %s  %s  %s", ex.Start.Format("15:04:05"), ex.Method, status, latency(ex.Latency), ex.Path)
}

func latency(d time.Duration) string {
	if d < time.Millisecond {
		return "<1 ms"
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func exchangeDetails(ex flows.HTTPExchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", ex.Method, ex.URL)
	if ex.Err != "" {
		fmt.Fprintf(&b, "No answer: %s (after %s)\n", ex.Err, latency(ex.Latency))
	} else {
		fmt.Fprintf(&b, "Status %d · %s · %s\n", ex.Status, latency(ex.Latency), ex.Start.Format("15:04:05.000"))
	}
	section := func(title, text string) {
		if text = strings.TrimSpace(text); text != "" {
			fmt.Fprintf(&b, "\n%s\n%s\n", title, text)
		}
	}
	section("Request headers", ex.RequestHeaders)
	section("Request body", ex.RequestBody)
	section("Response headers", ex.ResponseHeaders)
	section("Response body", ex.ResponseBody)
	return b.String()
}
