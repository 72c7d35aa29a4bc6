package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/internal/balances"
)

// narrowBreakpoint is the window width below which balances are listed in
// rows of their own instead of a table: a table cuts amounts off there.
const narrowBreakpoint = 600

// wideOrNarrow shows its first object when the window is at least
// breakpoint wide and its second otherwise, each filling the space.
type wideOrNarrow struct {
	breakpoint  float32
	windowWidth func() float32
}

func (l *wideOrNarrow) pick(objects []fyne.CanvasObject) (shown, hidden fyne.CanvasObject) {
	if l.windowWidth() >= l.breakpoint {
		return objects[0], objects[1]
	}
	return objects[1], objects[0]
}

func (l *wideOrNarrow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	shown, hidden := l.pick(objects)
	hidden.Hide()
	shown.Show()
	shown.Move(fyne.NewPos(0, 0))
	shown.Resize(size)
}

func (l *wideOrNarrow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	shown, _ := l.pick(objects)
	return shown.MinSize()
}

// newPhoneBalances is the balances on a phone: the same sort as the
// table's headers, as a picker and a Reverse button, above the list.
func (s *balancesStep) newPhoneBalances() *fyne.Container {
	var titles []string
	for col := range columnTitles {
		titles = append(titles, columnTitle(col))
	}
	s.sortBy = widget.NewSelect(titles, func(string) {
		if c := sortColumns[s.sortBy.SelectedIndex()]; c != s.order.By {
			s.order = balances.Order{By: c}
			s.apply()
		}
	})
	s.sortBy.PlaceHolder = lang.L("Sort by")
	// Unsorted, as showPhoneSort would show it: no choice, Reverse disabled.
	s.reverse = newDisabledButton(lang.L("Reverse"), theme.MenuDropUpIcon(), func() {
		s.order.Descending = !s.order.Descending
		s.apply()
	})
	s.reverse.IconPlacement = widget.ButtonIconTrailingText
	return container.NewBorder(container.NewBorder(nil, nil, nil, s.reverse, s.sortBy), nil, nil, nil, s.narrow)
}

// showPhoneSort shows the sort on the phone's picker and Reverse button,
// without choosing it again.
func (s *balancesStep) showPhoneSort() {
	s.sortBy.Selected = ""
	for col, c := range sortColumns {
		if c == s.order.By {
			s.sortBy.Selected = s.sortBy.Options[col]
		}
	}
	s.sortBy.Refresh()
	s.reverse.Icon = theme.MenuDropUpIcon()
	if s.order.Descending {
		s.reverse.Icon = theme.MenuDropDownIcon()
	}
	if s.order.By == 0 {
		s.reverse.Disable()
	} else {
		s.reverse.Enable()
	}
	s.reverse.Refresh()
}

// newNarrowList lists balances for a phone: each account in rows of its
// own — currency, symbol and type, then the balance, then the reserved
// amount — amounts in full, wrapping rather than ever being cut. A tap (or
// Space) on a row copies its balance; a long press or right click offers
// each amount.
func (s *balancesStep) newNarrowList() *widget.List {
	var list *widget.List
	list = widget.NewList(
		func() int { return len(s.shown) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			amounts := widget.NewLabel("")
			amounts.TextStyle = fyne.TextStyle{Monospace: true}
			amounts.Wrapping = fyne.TextWrapBreak
			return newCopyTarget(container.NewVBox(name, amounts))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*copyTarget)
			box := row.content.(*fyne.Container)
			name, amounts := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
			r := s.shown[i]
			name.SetText(narrowName(r))
			amounts.SetText(s.narrowAmounts(i))
			row.onTap = func() { s.copyAmount(i, balances.ByBalance) }
			row.onMenu = func(at fyne.Position) { s.showCopyMenu(i, at) }
			list.SetItemHeight(i, s.narrowHeight(i, list.Size().Width))
		},
	)
	list.OnSelected = func(i widget.ListItemID) { // Space on a focused row
		s.copyAmount(i, balances.ByBalance)
		list.UnselectAll()
	}
	return list
}

// copyTarget is a balances cell or phone row that copies amounts: a tap
// copies one, a secondary tap (right click, long press) offers the row's.
type copyTarget struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
	onMenu  func(at fyne.Position)
}

func newCopyTarget(content fyne.CanvasObject) *copyTarget {
	t := &copyTarget{content: content}
	t.ExtendBaseWidget(t)
	return t
}

func (t *copyTarget) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

func (t *copyTarget) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

func (t *copyTarget) TappedSecondary(e *fyne.PointEvent) {
	if t.onMenu != nil {
		t.onMenu(e.AbsolutePosition)
	}
}

// narrowAmounts is a row's amounts as the narrow list shows them, exact.
func (s *balancesStep) narrowAmounts(i int) string {
	r := s.shown[i]
	return lang.L("Balance") + "   " + r.Balance + "\n" + lang.L("Reserved") + "  " + r.Reserved
}

// narrowHeight is the height row i needs at width: its name line, and its
// amounts with as many wrapped lines as they take, measured with labels like
// the row's own.
func (s *balancesStep) narrowHeight(i int, width float32) float32 {
	return rowLabelHeight(narrowName(s.shown[i]), fyne.TextStyle{Bold: true}, fyne.TextWrapOff, width) + theme.Padding() +
		rowLabelHeight(s.narrowAmounts(i), fyne.TextStyle{Monospace: true}, fyne.TextWrapBreak, width)
}

// narrowName is a row's first line on a phone; a provider that sends no
// symbol or type (EXchange) leaves no stray separators.
func narrowName(r balances.Row) string {
	name := strings.TrimSpace(r.Currency + "  " + r.Symbol)
	if r.Type != "" {
		name += "  ·  " + r.Type
	}
	return name
}
