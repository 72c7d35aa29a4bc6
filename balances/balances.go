// Package balances turns accounts into the rows people read: exact decimal
// strings, aligned on the decimal point, filtered and with zero balances
// optionally hidden. The terminal table and the GUI table share it.
package balances

import (
	"strings"
	"unicode/utf8"

	"github.com/qexcompanion/qex-companion/flows/qex"
)

// Null is shown where the server sent null.
const Null = "—"

// Row is one account as displayed.
type Row struct {
	Currency string
	Symbol   string
	Balance  string
	Reserved string
	Type     string
	zero     bool
}

// Rows returns crypto accounts first, then fiat, as display rows.
func Rows(a *qex.Accounts) []Row {
	if a == nil {
		return nil
	}
	all := a.All()
	rows := make([]Row, len(all))
	for i, acc := range all {
		rows[i] = Row{
			Currency: acc.Currency,
			Symbol:   acc.CurrencySymbol,
			Balance:  orNull(acc.Balance),
			Reserved: orNull(acc.ReservedBalance),
			Type:     acc.CurrencyType,
			zero:     acc.Balance.IsZero() && acc.ReservedBalance.IsZero(),
		}
	}
	return rows
}

func orNull(d qex.Decimal) string {
	if d.IsNull() {
		return Null
	}
	return string(d)
}

// Filter keeps rows whose currency, symbol or type contains query (case
// insensitive), and drops rows with nothing in them when hideZero is set.
func Filter(rows []Row, query string, hideZero bool) []Row {
	query = strings.ToLower(strings.TrimSpace(query))
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		if hideZero && r.zero {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(r.Currency+" "+r.Symbol+" "+r.Type), query) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// AlignDecimals pads each value so that, right-aligned in a column of
// fixed-width characters, their decimal points line up: integer parts are
// padded on the left, fractions on the right. Values stay exact.
func AlignDecimals(values []string) []string {
	var intWidth, fracWidth int
	for _, v := range values {
		i, f := splitPoint(v)
		intWidth = max(intWidth, utf8.RuneCountInString(i))
		fracWidth = max(fracWidth, utf8.RuneCountInString(f))
	}
	out := make([]string, len(values))
	for n, v := range values {
		i, f := splitPoint(v)
		out[n] = strings.Repeat(" ", intWidth-utf8.RuneCountInString(i)) + i + f + strings.Repeat(" ", fracWidth-utf8.RuneCountInString(f))
	}
	return out
}

// splitPoint splits "12.5" into "12" and ".5"; values without a point have
// no fraction.
func splitPoint(v string) (intPart, frac string) {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return v[:i], v[i:]
	}
	return v, ""
}
