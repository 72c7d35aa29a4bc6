package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/balances"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Table columns.
const (
	colCurrency = iota
	colSymbol
	colBalance
	colReserved
	colType
	columnCount
)

// columnTitles are the columns' names in English; columnTitle translates.
var columnTitles = [columnCount]string{"Currency", "Symbol", "Balance", "Reserved", "Type"}

// columnTitle is column col's name in the window's language.
func columnTitle(col int) string { return lang.L(columnTitles[col]) }

// sortColumns is what each table column sorts by.
var sortColumns = [columnCount]balances.Column{balances.ByCurrency, balances.BySymbol, balances.ByBalance, balances.ByReserved, balances.ByType}

// copiedFor is how long the confirmation of a copy stays.
const copiedFor = 4 * time.Second

// columnWidths fit long decimals (up to about 30 digits) in the amount
// columns; the table scrolls sideways on narrow windows.
var columnWidths = [columnCount]float32{110, 80, 280, 200, 80}

// balancesStep shows a connection's result: the user's profile, when the
// provider has one, and their accounts.
type balancesStep struct {
	m        *MainWindow
	profile  *widget.Accordion // the facts, folded away on narrow windows
	expiry   *widget.Label     // a token's countdown
	token    *fyne.Container   // the countdown and Refresh token now, for results that expire
	ticker   secondTicker      // the countdown
	expires  time.Time
	listing  *fyne.Container // the balances' controls, status and table, hidden without balances
	next     *widget.Button  // to the widget configuration, for a result with a widget
	title    string
	all      []balances.Row
	shown    []balances.Row
	balance  []string // shown balances, aligned on the decimal point
	reserved []string
	order    balances.Order // the user's sort, kept across refreshes
	cols     []int          // the table's columns: Symbol and Type only when some account has one

	filter   *widget.Entry
	hideZero *widget.Check
	updated  *widget.Label
	resumedL *widget.Label
	errLabel *widget.Label
	refresh  *widget.Button
	count    *widget.Label
	table    *widget.Table
	narrow   *widget.List    // the same rows on a phone
	sortBy   *widget.Select  // the phone's sort: the table sorts from its headers
	reverse  *widget.Button  // reverses the phone's sort
	phone    *fyne.Container // the phone's sort and list
	rows     *fyne.Container // the table or, on a phone, the list
	copied   *widget.Label   // confirms a copied amount, briefly
	copies   int             // counts copies, so only the last one's confirmation is hidden
	body     fyne.CanvasObject
}

func newBalancesStep(m *MainWindow) *balancesStep {
	s := &balancesStep{m: m, title: "Balances"}
	s.profile = widget.NewAccordion()
	s.profile.Hide()
	s.filter = widget.NewEntry()
	s.filter.PlaceHolder = lang.L("Filter by currency, symbol or type") // measured when first shown
	s.filter.OnChanged = func(string) { s.apply() }
	s.hideZero = widget.NewCheck(lang.L("Hide zero balances"), func(bool) { s.apply() })
	s.updated = widget.NewLabel("")
	s.count = widget.NewLabel("")
	s.resumedL = widget.NewLabel("")
	s.resumedL.Wrapping = fyne.TextWrapWord
	s.resumedL.Importance = widget.SuccessImportance
	s.resumedL.Hide()
	s.errLabel = newErrorLabel()
	s.refresh = widget.NewButton(lang.L("Refresh"), m.refresh)
	s.next = widget.NewButton(lang.L("Widget configuration →"), func() { m.show(m.config) })
	s.next.Importance = widget.HighImportance
	s.expiry = widget.NewLabel("")
	s.expiry.Wrapping = fyne.TextWrapWord
	// The sentence beside its button on a wide window, above it on a phone.
	s.token = newBesideOrBelow(s.expiry, widget.NewButton(lang.L("Refresh token now"), m.refreshToken))
	s.token.Hide()

	s.copied = widget.NewLabel("")
	s.copied.Wrapping = fyne.TextWrapWord
	s.copied.Importance = widget.SuccessImportance
	s.copied.Hide()

	s.table = widget.NewTable(
		func() (int, int) { return len(s.shown), len(s.cols) },
		func() fyne.CanvasObject { return newCopyTarget(widget.NewLabel("")) },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			cell := o.(*copyTarget)
			s.updateCell(id, cell.content)
			cell.onTap = func() { s.copyCell(id) }
			cell.onMenu = func(at fyne.Position) { s.showCopyMenu(id.Row, at) }
		},
	)
	s.table.OnSelected = func(id widget.TableCellID) { // Space on a focused cell
		s.copyCell(id)
		s.table.UnselectAll()
	}
	s.table.ShowHeaderRow = true
	s.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.IconPlacement = widget.ButtonIconTrailingText
		return b
	}
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 || id.Col >= len(s.cols) {
			return
		}
		col := s.cols[id.Col]
		b.Text = columnTitle(col)
		b.Alignment = widget.ButtonAlignLeading
		if alignment(col) == fyne.TextAlignTrailing {
			b.Alignment = widget.ButtonAlignTrailing
		}
		b.Icon = s.sortIcon(sortColumns[col])
		b.OnTapped = func() { s.sortByColumn(sortColumns[col]) }
		b.Refresh()
	}
	s.showColumns(sortColumns[:]) // every column, until accounts come

	s.narrow = s.newNarrowList()
	s.phone = s.newPhoneBalances()
	s.rows = container.New(&wideOrNarrow{breakpoint: narrowBreakpoint, windowWidth: m.width}, s.table, s.phone)
	controls := m.newRowOrStack(600, 0, s.filter, container.NewHBox(s.hideZero, s.refresh))
	s.count.Wrapping = fyne.TextWrapWord // "No accounts match …" is a sentence
	status := container.NewBorder(nil, nil, s.updated, nil, s.count)
	s.listing = container.NewBorder(container.NewVBox(controls, status), nil, nil, nil, s.rows)
	// What comes above the balances scrolls on its own when it is long (a
	// profile on a phone), so the balances always keep half the height.
	above, _ := newFlowScroll(s.resumedL, s.profile, s.token, s.errLabel)
	s.body = container.NewBorder(nil,
		// The copy confirmation is beside the buttons, under the rows: above
		// them it pushed the rows down under the pointer.
		container.NewBorder(nil, nil, container.NewHBox(s.next, widget.NewButton(lang.L("Sign out"), m.signOut)), nil, s.copied),
		nil, nil, container.New(&aboveRows{rowsShare: 0.5}, above, s.listing))
	return s
}

func (s *balancesStep) number() int                { return 3 }
func (s *balancesStep) name() string               { return lang.L(s.title) }
func (s *balancesStep) content() fyne.CanvasObject { return s.body }

func alignment(col int) fyne.TextAlign {
	if col == colBalance || col == colReserved {
		return fyne.TextAlignTrailing
	}
	return fyne.TextAlignLeading
}

func (s *balancesStep) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= len(s.shown) {
		l.SetText("")
		return
	}
	r, col := s.shown[id.Row], s.cols[id.Col]
	l.Alignment = alignment(col)
	l.TextStyle = fyne.TextStyle{Monospace: col == colBalance || col == colReserved}
	l.SetText([columnCount]string{r.Currency, r.Symbol, s.balance[id.Row], s.reserved[id.Row], r.Type}[col])
}

// showColumns sets the table's columns: Symbol and Type only when
// some account has one (EXchange's API sends neither).
func (s *balancesStep) showColumns(shown []balances.Column) {
	var cols []int
	for _, c := range shown {
		cols = append(cols, slices.Index(sortColumns[:], c))
	}
	if slices.Equal(cols, s.cols) {
		return
	}
	s.cols = cols
	for i, col := range cols {
		s.table.SetColumnWidth(i, columnWidths[col])
	}
	// The filter offers only what the accounts have (balances.Filter
	// matches an empty symbol or type with nothing).
	hint := lang.L("Filter by currency, symbol or type")
	if !slices.Contains(cols, colSymbol) && !slices.Contains(cols, colType) {
		hint = lang.L("Filter by currency")
	}
	if s.filter.PlaceHolder != hint {
		s.filter.SetPlaceHolder(hint)
	}
}

// setResult shows what a connection returned besides balances: the
// profile's facts (the server's text, cleaned), and the way on to the
// widget configuration when there is one.
func (s *balancesStep) setResult(res *flows.Result) {
	// Two columns of facts on a wide window, one on a narrow one.
	var pairs []fyne.CanvasObject
	for _, f := range res.Profile {
		pairs = append(pairs, widget.NewLabelWithStyle(lang.L(f.Label), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.factValue(f))
	}
	title := lang.L("Profile")
	if len(res.Profile) > 0 && !res.Profile[0].Secret {
		if first := oneline.Field(factText(res.Profile[0]), 60); first != "" {
			title += " · " + first
		}
	}
	s.profile.Items = []*widget.AccordionItem{widget.NewAccordionItem(title, s.m.newFactGrid(600, pairs...))}
	if s.m.width() >= 600 || res.Balances == nil {
		s.profile.Open(0) // a phone keeps the table in view
	}
	s.profile.Hidden = len(res.Profile) == 0
	s.profile.Refresh()
	s.next.Hidden = res.Widget == nil
	s.next.Refresh()
	s.listing.Hidden = res.Balances == nil
	s.listing.Refresh()
	s.countDown(res.Expires)
	switch {
	case res.Balances == nil:
		s.title = "Access"
	case len(res.Profile) > 0:
		s.title = "Profile and balances"
	default:
		s.title = "Balances"
	}
	s.m.retitle()
}

// factText is a fact's value as the window shows it: the server's text as
// it came, the app's own words and moments in the window's language.
func factText(f flows.Fact) string {
	switch {
	case f.Word:
		return lang.L(f.Value)
	case !f.At.IsZero():
		return formatMoment(f.At)
	}
	return f.Value
}

// factValue shows a fact's value, the server's text cleaned; a secret one
// is masked until the user reveals it, and can be copied.
func (s *balancesStep) factValue(f flows.Fact) fyne.CanvasObject {
	value := widget.NewLabel(oneline.FieldOrNone(factText(f), 200))
	value.Wrapping = fyne.TextWrapWord
	if !f.Secret {
		return value
	}
	const mask = "••••••••••••"
	value.Wrapping = fyne.TextWrapBreak
	value.SetText(mask)
	var reveal *widget.Button
	reveal = widget.NewButton(lang.L("Reveal"), func() {
		if value.Text == mask {
			value.SetText(f.Value)
			reveal.SetText(lang.L("Hide"))
			return
		}
		value.SetText(mask)
		reveal.SetText(lang.L("Reveal"))
	})
	copyButton := widget.NewButton(lang.L("Copy"), func() { s.m.app.Clipboard().SetContent(f.Value) })
	return container.NewBorder(nil, nil, nil, container.NewHBox(reveal, copyButton), value)
}

// countDown shows the time left until expires, every second; a zero time
// hides it.
func (s *balancesStep) countDown(expires time.Time) {
	s.ticker.Stop()
	s.expires = expires
	s.token.Hidden = expires.IsZero()
	s.token.Refresh()
	if expires.IsZero() {
		return
	}
	s.tick()
	s.ticker.start(s.m.opts.Do, s.tick)
}

// tick shows the time left.
func (s *balancesStep) tick() {
	left := s.expires.Sub(s.m.opts.Now()).Round(time.Second)
	if left <= 0 {
		s.expiry.SetText(lang.L("The access token has expired: the next request refreshes it."))
		return
	}
	s.expiry.SetText(lang.L("The access token expires in {{.Left}} (at {{.At}}).", map[string]any{"Left": sayDuration(left), "At": s.expires.Local().Format("15:04:05")}))
}

// sayDuration writes d as people read it, in at most its two largest units,
// rounded down: "24 h", "23 h 59 min", "4 min 5 s", "59 s" (時間, 分, 秒).
func sayDuration(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0 && m > 0:
		return lang.L("{{.H}} h {{.M}} min", map[string]any{"H": h, "M": m})
	case h > 0:
		return lang.L("{{.H}} h", map[string]any{"H": h})
	case m > 0 && sec > 0:
		return lang.L("{{.M}} min {{.S}} s", map[string]any{"M": m, "S": sec})
	case m > 0:
		return lang.L("{{.M}} min", map[string]any{"M": m})
	}
	return lang.L("{{.S}} s", map[string]any{"S": sec})
}

// set shows freshly fetched balances.
func (s *balancesStep) set(b *flows.Balances, at time.Time) {
	s.all = balances.Rows(b)
	s.showColumns(balances.Columns(s.all))
	s.updated.SetText(lang.L("Updated {{.At}}", map[string]any{"At": at.Format("15:04:05")}))
	s.errLabel.Hide()
	s.refreshing(false)
	s.apply()
}

// apply filters and sorts the rows and aligns what is shown.
func (s *balancesStep) apply() {
	s.shown = balances.Sort(balances.Filter(s.all, s.filter.Text, s.hideZero.Checked), s.order)
	s.balance, s.reserved = balances.Amounts(s.shown)
	count := lang.L("{{.Shown}} of {{.All}} accounts", map[string]any{"Shown": len(s.shown), "All": len(s.all)})
	if len(s.shown) == 0 && len(s.all) > 0 {
		count = lang.L("No accounts match \"{{.Filter}}\": clear the filter or untick Hide zero balances to see all {{.All}}.", map[string]any{"Filter": oneline.Clean(s.filter.Text, 40), "All": len(s.all)})
	}
	if n := balances.MalformedCount(s.all); n > 0 {
		count += " — " + lang.L("{{.Count}} amounts from the server are not numbers (marked malformed)", map[string]any{"Count": n})
	}
	s.count.SetText(count)
	s.showPhoneSort()
	s.table.Refresh()
	s.narrow.Refresh()
}

// sortByColumn sorts by c, ascending; sorting by c again reverses it.
func (s *balancesStep) sortByColumn(c balances.Column) {
	if s.order.By == c {
		s.order.Descending = !s.order.Descending
	} else {
		s.order = balances.Order{By: c}
	}
	s.apply()
}

// sortIcon marks the column the rows are sorted by with the direction;
// other columns have none.
func (s *balancesStep) sortIcon(c balances.Column) fyne.Resource {
	switch {
	case s.order.By != c:
		return nil
	case s.order.Descending:
		return theme.MenuDropDownIcon()
	}
	return theme.MenuDropUpIcon()
}

// copyCell copies the amount a table cell shows; a cell of the other
// columns copies its row's balance.
func (s *balancesStep) copyCell(id widget.TableCellID) {
	c := sortColumns[s.cols[id.Col]]
	if c != balances.ByReserved {
		c = balances.ByBalance
	}
	s.copyAmount(id.Row, c)
}

// copyAmount puts row's amount in column c on the clipboard exactly as the
// server sent it — not the padded text the table aligns — and says so.
func (s *balancesStep) copyAmount(row int, c balances.Column) {
	if row < 0 || row >= len(s.shown) {
		return
	}
	r := s.shown[row]
	amount, ok := r.Exact(c)
	if !ok {
		s.confirmCopy(lang.L("Nothing copied: the server sent no number for this amount."))
		return
	}
	s.m.app.Clipboard().SetContent(amount)
	s.confirmCopy(lang.L("Copied {{.Amount}} {{.Currency}}", map[string]any{"Amount": amount, "Currency": r.Currency}))
}

// showCopyMenu offers, at a secondary tap (right click, long press), to
// copy each of row's amounts.
func (s *balancesStep) showCopyMenu(row int, at fyne.Position) {
	if row < 0 || row >= len(s.shown) {
		return
	}
	r := s.shown[row]
	_, balanceOK := r.Exact(balances.ByBalance)
	_, reservedOK := r.Exact(balances.ByReserved)
	copyBalance := fyne.NewMenuItem(lang.L("Copy balance {{.Amount}}", map[string]any{"Amount": r.Balance}), func() { s.copyAmount(row, balances.ByBalance) })
	copyBalance.Disabled = !balanceOK
	copyReserved := fyne.NewMenuItem(lang.L("Copy reserved {{.Amount}}", map[string]any{"Amount": r.Reserved}), func() { s.copyAmount(row, balances.ByReserved) })
	copyReserved.Disabled = !reservedOK
	menu := fyne.NewMenu("", copyBalance, copyReserved)
	widget.ShowPopUpMenuAtPosition(menu, s.m.win.Canvas(), at)
}

// confirmCopy shows text for a few seconds.
func (s *balancesStep) confirmCopy(text string) {
	s.copies++
	this := s.copies
	s.copied.SetText(text)
	s.copied.Show()
	time.AfterFunc(copiedFor, func() {
		s.m.opts.Do(func() {
			if s.copies == this {
				s.copied.Hide()
			}
		})
	})
}

func (s *balancesStep) refreshing(on bool) {
	if on {
		s.refresh.Disable()
		s.refresh.SetText(lang.L("Refreshing…"))
		return
	}
	s.refresh.Enable()
	s.refresh.SetText(lang.L("Refresh"))
}

func (s *balancesStep) refreshFailed(err error) {
	s.refreshing(false)
	s.errLabel.SetText(lang.L("{{.Err}}. What is shown is from the last successful refresh.", map[string]any{"Err": oneline.Sentence(sayErr(err))}))
	s.errLabel.Show()
}

// resumed says that the balances come from a saved session; "" hides it.
func (s *balancesStep) resumed(text string) {
	s.resumedL.SetText(text)
	s.resumedL.Hidden = text == ""
	s.resumedL.Refresh()
}
