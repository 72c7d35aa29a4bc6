package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
)

// balancesRig is a window on the sandbox showing the seeded balances.
func balancesRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	return r
}

// column is what the table shows in col, row by row, as the user reads it.
func column(b *balancesStep, col int) []string {
	var out []string
	for row := range b.shown {
		out = append(out, strings.TrimSpace(tableCell(b, row, col)))
	}
	return out
}

// header finds the table's header for the column titled title.
func header(t *testing.T, b *balancesStep, title string) *widget.Button {
	t.Helper()
	return findButton(t, b.table, title)
}

// amountCell finds the table cell or phone row in o whose text holds text.
func amountCell(t *testing.T, o fyne.CanvasObject, text string) *copyTarget {
	t.Helper()
	return find(t, o, "row showing "+text, func(c *copyTarget) bool {
		found := false
		walk(c, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, text) {
				found = true
			}
		})
		return found
	})
}

// menuItem finds the item labelled text on the pop-up menu the window shows.
func menuItem(t *testing.T, r *rig, text string) fyne.Tappable {
	t.Helper()
	top := r.m.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no menu to choose %q on", text)
	}
	var item fyne.Tappable
	walk(top, func(o fyne.CanvasObject) {
		tappable, ok := o.(fyne.Tappable)
		if !ok {
			return
		}
		walk(o, func(in fyne.CanvasObject) {
			if txt, ok := in.(*canvas.Text); ok && txt.Text == text {
				item = tappable // the innermost tappable holding the text: walk visits outer ones first
			}
		})
	})
	if item == nil {
		t.Fatalf("no menu item %q", text)
	}
	return item
}

// Sandbox balances, in the order each sort must show them (ties keep the
// provider's order). Amounts are compared as numbers, not as text: "0.06"
// comes after "0.000000000000000001" and "0.00726", and "98765432.10" last.
var (
	byBalance  = []string{"LTC", "SGD", "USDT", "USD", "BTC", "ETH", "EUR", "XRP", "PHP", "JPY", "QASH"}
	byReserved = []string{"BTC", "XRP", "USDT", "LTC", "USD", "EUR", "SGD", "ETH", "PHP", "JPY", "QASH"}
)

// descending is ascending reversed, with rows that tie still in the
// provider's order.
func descending(ascending []string, ties int) []string {
	out := slices.Clone(ascending[ties:])
	slices.Reverse(out)
	return append(out, ascending[:ties]...)
}

// Clicking a header sorts by that column, clicking again reverses it, and
// the header shows which way; amounts sort by value.
func TestBalancesSortByEachColumnBothWays(t *testing.T) {
	r := balancesRig(t)
	b := r.m.balances
	provider := column(b, colCurrency)
	lower := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	for col, title := range columnTitles {
		for _, desc := range []bool{false, true} {
			test.Tap(header(t, b, title))
			got := column(b, colCurrency)
			switch col {
			case colBalance, colReserved:
				want, ties := byBalance, 2 // LTC and SGD hold 0.0
				if col == colReserved {
					want, ties = byReserved, 7
				}
				if desc {
					want = descending(want, ties)
				}
				if !slices.Equal(got, want) {
					t.Errorf("by %s, descending %v: %v, want %v", title, desc, got, want)
				}
			default:
				shown := column(b, col)
				sorted := slices.Clone(shown)
				slices.SortStableFunc(sorted, lower)
				if desc {
					slices.Reverse(sorted)
				}
				if !slices.EqualFunc(shown, sorted, func(a, b string) bool { return lower(a, b) == 0 }) {
					t.Errorf("by %s, descending %v: %v", title, desc, shown)
				}
			}
			wantIcon := theme.MenuDropUpIcon()
			if desc {
				wantIcon = theme.MenuDropDownIcon()
			}
			for _, other := range columnTitles {
				icon := header(t, b, other).Icon
				if other == title && icon != wantIcon || other != title && icon != nil {
					t.Errorf("sorted by %s, descending %v: header %s has icon %v", title, desc, other, icon)
				}
			}
		}
	}
	if len(provider) != 11 || slices.Equal(provider, column(b, colCurrency)) {
		t.Errorf("sorting never changed the order: %v", provider)
	}
}

// The sort survives a Refresh, and filtering and hiding zeros keep it.
func TestBalancesSortSurvivesRefresh(t *testing.T) {
	r := balancesRig(t)
	b := r.m.balances
	test.Tap(header(t, b, "Balance"))
	test.Tap(header(t, b, "Balance"))
	test.Tap(b.refresh)
	r.ui.waitFor(t, "the refresh", func() bool { return !b.refresh.Disabled() })
	if got, want := column(b, colCurrency), descending(byBalance, 2); !slices.Equal(got, want) {
		t.Errorf("after Refresh: %v, want %v", got, want)
	}
	if header(t, b, "Balance").Icon != theme.MenuDropDownIcon() {
		t.Error("after Refresh the Balance header no longer shows the descending sort")
	}
	test.Tap(b.hideZero)
	test.Type(b.filter, "fiat")
	if got := column(b, colCurrency); !slices.Equal(got, []string{"JPY", "PHP", "EUR", "USD"}) {
		t.Errorf("fiat without zeros, by balance descending: %v", got)
	}
}

// Amounts that only compare right digit by digit sort by value; amounts
// that are not numbers sort last either way, and copying one copies nothing.
func TestBalancesSortTrickyAmountsAndMalformedLast(t *testing.T) {
	accounts := &flows.Balances{Accounts: []flows.Account{
		{Currency: "BAD", Symbol: "?", Balance: "1e-18", Reserved: "0", Type: "crypto"},
		{Currency: "ETH", Symbol: "Ξ", Balance: "12.345678901234567891", Reserved: "0", Type: "crypto"},
		{Currency: "ETC", Symbol: "ξ", Balance: "12.345678901234567890", Reserved: "0", Type: "crypto"},
		{Currency: "USDT", Symbol: "₮", Balance: "0.000000000000000001", Reserved: "0", Type: "crypto"},
		{Currency: "NIL", Symbol: "∅", Balance: "0", Reserved: "0", Type: "crypto"},
	}}
	a := test.NewTempApp(t)
	ui := newUIThread()
	m := NewMainWindow(a, &scriptedEngine{events: []flows.Event{
		flows.BalancesFetched{Balances: accounts, At: fixedTime},
		flows.ResultReady{Result: &flows.Result{Provider: "qex", Balances: accounts}},
	}}, Options{
		Target:      flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{"public-api-key": "pk_sandbox_5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"}},
		AutoConnect: true, Do: ui.do, Now: func() time.Time { return fixedTime },
	})
	ui.waitFor(t, "the scripted balances", func() bool { return strings.HasSuffix(m.stepLabel.Text, "· Balances") })
	m.Window().Resize(fyne.NewSize(1024, 700))
	b := m.balances
	test.Tap(header(t, b, "Balance"))
	if got := column(b, colCurrency); !slices.Equal(got, []string{"NIL", "USDT", "ETC", "ETH", "BAD"}) {
		t.Errorf("ascending: %v", got)
	}
	test.Tap(header(t, b, "Balance"))
	if got := column(b, colCurrency); !slices.Equal(got, []string{"ETH", "ETC", "USDT", "NIL", "BAD"}) {
		t.Errorf("descending: %v", got)
	}
	a.Clipboard().SetContent("before")
	test.Tap(amountCell(t, b.table, `malformed: "1e-18"`))
	if got := a.Clipboard().Content(); got != "before" || !b.copied.Visible() || !strings.HasPrefix(b.copied.Text, "Nothing copied") {
		t.Errorf("copying a malformed amount: clipboard %q, said %q", got, b.copied.Text)
	}
}

// A click on an amount copies it exactly as the server sent it, not the
// padded text of the aligned column, and says so; a right click offers
// each amount of the row; Space on a focused cell copies too.
func TestBalancesCopyAmountExactly(t *testing.T) {
	r := balancesRig(t)
	b := r.m.balances
	test.Tap(amountCell(t, b.table, "0.00726"))
	if got := r.app.Clipboard().Content(); got != "0.00726" {
		t.Errorf("clicking USD's balance copied %q", got)
	}
	if !b.copied.Visible() || b.copied.Text != "Copied 0.00726 USD" {
		t.Errorf("confirmation %q, visible %v", b.copied.Text, b.copied.Visible())
	}

	test.TapSecondary(amountCell(t, b.table, "12.345678901234567891"))
	test.Tap(menuItem(t, r, "Copy reserved 0.5"))
	if got := r.app.Clipboard().Content(); got != "0.5" || b.copied.Text != "Copied 0.5 ETH" {
		t.Errorf("Copy reserved from the menu: clipboard %q, said %q", got, b.copied.Text)
	}
	test.TapSecondary(amountCell(t, b.table, "12.345678901234567891"))
	test.Tap(menuItem(t, r, "Copy balance 12.345678901234567891"))
	if got := r.app.Clipboard().Content(); got != "12.345678901234567891" {
		t.Errorf("Copy balance from the menu: clipboard %q", got)
	}

	// The keyboard: focus the table, go to ETH's reserved amount, press Space.
	r.m.win.Canvas().Focus(b.table)
	b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	for range colReserved {
		b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	}
	r.app.Clipboard().SetContent("")
	b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	if got := r.app.Clipboard().Content(); got != "0.5" || b.shown[1].Currency != "ETH" {
		t.Errorf("Space on ETH's reserved cell copied %q", got)
	}
}

// On a phone the sort is a picker and a Reverse button, the same sort as
// the table's headers, with the filter and hide-zero; a tap on a row
// copies its balance exactly.
func TestNarrowBalancesSortAndCopy(t *testing.T) {
	r := balancesRig(t)
	b := r.m.balances
	r.m.win.Resize(fyne.NewSize(360, 740))
	r.m.win.Content().Refresh()
	sortBy := findSelect(t, b.phone, "Sort by")
	reverse := findButton(t, b.phone, "Reverse")
	if !b.phone.Visible() || !sortBy.Visible() || !reverse.Disabled() {
		t.Fatalf("phone sort: shown %v, picker %v, Reverse disabled %v before any sort", b.phone.Visible(), sortBy.Visible(), reverse.Disabled())
	}
	sortBy.SetSelected("Balance")
	if got := column(b, colCurrency); !slices.Equal(got, byBalance) {
		t.Errorf("by balance: %v", got)
	}
	test.Tap(reverse)
	if got, want := column(b, colCurrency), descending(byBalance, 2); !slices.Equal(got, want) {
		t.Errorf("reversed: %v, want %v", got, want)
	}
	if reverse.Icon != theme.MenuDropDownIcon() {
		t.Error("Reverse does not show the descending sort")
	}
	test.Tap(b.hideZero)
	test.Type(b.filter, "crypto")
	if got := column(b, colCurrency); !slices.Equal(got, []string{"QASH", "XRP", "ETH", "BTC", "USDT"}) {
		t.Errorf("crypto without zeros, by balance descending: %v", got)
	}

	test.WidgetRenderer(b.narrow).Layout(b.narrow.Size())
	b.narrow.ScrollToBottom()
	test.Tap(amountCell(t, b.narrow, "0.000000000000000001"))
	if got := r.app.Clipboard().Content(); got != "0.000000000000000001" || b.copied.Text != "Copied 0.000000000000000001 USDT" {
		t.Errorf("tapping USDT's row: clipboard %q, said %q", got, b.copied.Text)
	}
	test.TapSecondary(amountCell(t, b.narrow, "1234.5"))
	test.Tap(menuItem(t, r, "Copy reserved 1234.5"))
	if got := r.app.Clipboard().Content(); got != "1234.5" {
		t.Errorf("Copy reserved on QASH's row: clipboard %q", got)
	}

	// Wide again, the table shows the phone's sort.
	r.m.win.Resize(fyne.NewSize(1024, 700))
	r.m.win.Content().Refresh()
	if header(t, b, "Balance").Icon != theme.MenuDropDownIcon() {
		t.Error("the table's Balance header does not show the sort chosen on the phone")
	}
	test.Tap(header(t, b, "Currency"))
	if sortBy.Selected != "Currency" || reverse.Icon != theme.MenuDropUpIcon() {
		t.Errorf("after sorting by Currency in the table the phone shows %q, icon %v", sortBy.Selected, reverse.Icon)
	}
}

// A server that sends null, nothing or only control characters for a
// currency or a profile's fact leaves no gap in what the window shows: the
// cell, the phone's row name and the fact read "—", and the profile's
// title is not left ending in a separator.
func TestResultOfNullEmptyAndControlOnlyFields(t *testing.T) {
	r := balancesRig(t)
	b := r.m.balances
	b.setResult(&flows.Result{Provider: "exchange", Balances: &flows.Balances{},
		Profile: []flows.Fact{{Label: "Name", Value: ""}, {Label: "Email", Value: " \x1b\x07 "}}})
	b.set(&flows.Balances{Accounts: []flows.Account{
		{Currency: "", Balance: "0.5", Reserved: "0"},
		{Currency: "\x07\u202e", Type: "crypto", Balance: "1", Reserved: "0"},
		{Currency: "  btc  ", Balance: "2", Reserved: "0"},
	}}, time.Now())
	if got := column(b, colCurrency); !slices.Equal(got, []string{"—", "—", "btc"}) {
		t.Errorf("currency column: %q", got)
	}
	for _, row := range b.shown {
		if name := narrowName(row); strings.Contains(name, "   ") || strings.TrimSpace(name) != name || strings.HasPrefix(name, "·") {
			t.Errorf("phone row name %q", name)
		}
	}
	if title := b.profile.Items[0].Title; title != "Profile" {
		t.Errorf("profile title %q", title)
	}
	var values []string
	walk(b.profile.Items[0].Detail, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && !l.TextStyle.Bold {
			values = append(values, l.Text)
		}
	})
	if !slices.Equal(values, []string{"—", "—"}) {
		t.Errorf("fact values %q", values)
	}
}
