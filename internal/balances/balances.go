// Package balances turns accounts into the rows people read: exact decimal
// strings, aligned on the decimal point, filtered, with zero balances
// optionally hidden, and sorted by a column. The terminal table and the GUI table share it, so the
// server's text is made safe to show here, once for both.
package balances

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Null is shown where the server sent null.
const Null = oneline.None

// maxFieldRunes bounds a currency, symbol or type as shown; maxQuotedRunes,
// the quote of an amount that is not a number.
const (
	maxFieldRunes  = 32
	maxQuotedRunes = 24
)

// Row is one account as displayed. Every field is cleaned of control,
// escape and bidi characters.
type Row struct {
	Currency string
	Symbol   string
	Balance  string // an exact decimal, Null, or Malformed's text
	Reserved string
	Type     string
	// Malformed counts the row's amounts that are not decimal numbers.
	Malformed   int
	balanceNum  bool // Balance aligns as a number (or Null)
	reservedNum bool
	zero        bool
}

// Columns are the columns worth showing for rows, in order: Symbol and
// Type only when some row has one, so a provider whose API sends neither
// (EXchange) gets no empty columns.
func Columns(rows []Row) []Column {
	var symbol, typ bool
	for _, r := range rows {
		symbol = symbol || r.Symbol != ""
		typ = typ || r.Type != ""
	}
	cols := []Column{ByCurrency}
	if symbol {
		cols = append(cols, BySymbol)
	}
	cols = append(cols, ByBalance, ByReserved)
	if typ {
		cols = append(cols, ByType)
	}
	return cols
}

// Rows returns the balances as display rows, in the provider's order.
func Rows(b *flows.Balances) []Row {
	if b == nil {
		return nil
	}
	rows := make([]Row, len(b.Accounts))
	for i, acc := range b.Accounts {
		r := Row{
			// Every account has a currency: a row without one says so.
			// Not every provider has symbols and types (EXchange).
			Currency: oneline.FieldOrNone(acc.Currency, maxFieldRunes),
			Symbol:   oneline.Field(acc.Symbol, maxFieldRunes),
			Type:     oneline.Field(acc.Type, maxFieldRunes),
		}
		r.Balance, r.balanceNum = amount(acc.Balance)
		r.Reserved, r.reservedNum = amount(acc.Reserved)
		for _, ok := range []bool{r.balanceNum, r.reservedNum} {
			if !ok {
				r.Malformed++
			}
		}
		r.zero = r.Malformed == 0 && acc.Balance.IsZero() && acc.Reserved.IsZero()
		rows[i] = r
	}
	return rows
}

// amount returns how d is shown, and whether it is a number (or null).
func amount(d flows.Decimal) (string, bool) {
	switch {
	case d.IsNull():
		return Null, true
	case d.IsDecimal():
		return string(d), true
	}
	return Malformed(d), false
}

// Malformed is how an amount that is not a decimal number is shown: quoted,
// cleaned and cut, never as a number.
func Malformed(d flows.Decimal) string {
	return fmt.Sprintf("malformed: %q", oneline.Clean(string(d), maxQuotedRunes))
}

// MalformedCount counts the amounts in rows that are not decimal numbers.
func MalformedCount(rows []Row) int {
	n := 0
	for _, r := range rows {
		n += r.Malformed
	}
	return n
}

// Amounts returns the rows' balances and reserved amounts as shown in
// their columns: numbers aligned on the decimal point, malformed amounts
// left as they are, outside the alignment.
func Amounts(rows []Row) (balance, reserved []string) {
	balance, reserved = make([]string, len(rows)), make([]string, len(rows))
	var balNum, resNum []int // indexes of the amounts that align
	for i, r := range rows {
		balance[i], reserved[i] = r.Balance, r.Reserved
		if r.balanceNum {
			balNum = append(balNum, i)
		}
		if r.reservedNum {
			resNum = append(resNum, i)
		}
	}
	alignAt(balance, balNum)
	alignAt(reserved, resNum)
	return balance, reserved
}

// alignAt aligns values[i] for each i in at, in place.
func alignAt(values []string, at []int) {
	picked := make([]string, len(at))
	for n, i := range at {
		picked[n] = values[i]
	}
	for n, v := range AlignDecimals(picked) {
		values[at[n]] = v
	}
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

// Column is what rows can be sorted by.
type Column int

// The columns; the zero Column is the provider's order.
const (
	ByCurrency Column = iota + 1
	BySymbol
	ByBalance
	ByReserved
	ByType
)

// Order is how rows are sorted: by a column, ascending unless Descending.
// The zero Order keeps the provider's order.
type Order struct {
	By         Column
	Descending bool
}

// Sort returns rows sorted by o, stably: rows that compare equal keep the
// provider's order. Text compares case-insensitively; amounts compare as
// exact decimals, never as floats that would lose digits, with null
// amounts after the numbers and amounts that are not numbers last, in
// either direction.
func Sort(rows []Row, o Order) []Row {
	out := slices.Clone(rows)
	if o.By == 0 {
		return out
	}
	sign := 1
	if o.Descending {
		sign = -1
	}
	slices.SortStableFunc(out, func(a, b Row) int {
		switch o.By {
		case ByCurrency:
			return sign * compareText(a.Currency, b.Currency)
		case BySymbol:
			return sign * compareText(a.Symbol, b.Symbol)
		case ByType:
			return sign * compareText(a.Type, b.Type)
		case ByBalance:
			return compareAmounts(a.Balance, a.balanceNum, b.Balance, b.balanceNum, sign)
		case ByReserved:
			return compareAmounts(a.Reserved, a.reservedNum, b.Reserved, b.reservedNum, sign)
		}
		return 0
	})
	return out
}

// Exact returns the amount in column c (ByBalance or ByReserved) exactly as
// the server sent it, and false when there is no number there: null, or
// text that is not a decimal.
func (r Row) Exact(c Column) (string, bool) {
	switch c {
	case ByBalance:
		return r.Balance, r.balanceNum && r.Balance != Null
	case ByReserved:
		return r.Reserved, r.reservedNum && r.Reserved != Null
	}
	return "", false
}

func compareText(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

// compareAmounts orders two shown amounts: numbers by value (times sign),
// then null, then malformed amounts, whatever the sign.
func compareAmounts(a string, aNum bool, b string, bNum bool, sign int) int {
	rank := func(v string, num bool) int {
		switch {
		case !num:
			return 2
		case v == Null:
			return 1
		}
		return 0
	}
	ra, rb := rank(a, aNum), rank(b, bNum)
	if ra != rb || ra != 0 {
		return cmp.Compare(ra, rb)
	}
	return sign * compareDecimals(a, b)
}

// compareDecimals compares two plain decimal strings (as
// flows.Decimal.IsDecimal accepts them) by value, digit by digit, so that
// no precision is lost: "-0.0" equals "0" and "0.10" equals "0.1".
func compareDecimals(a, b string) int {
	negA, intA, fracA := decimalParts(a)
	negB, intB, fracB := decimalParts(b)
	if negA != negB {
		if negA {
			return -1
		}
		return 1
	}
	magnitude := cmp.Or(cmp.Compare(len(intA), len(intB)), strings.Compare(intA, intB), strings.Compare(fracA, fracB))
	if negA {
		return -magnitude
	}
	return magnitude
}

// decimalParts splits a decimal into its sign and its integer and fraction
// digits, without leading or trailing zeros; zero is never negative.
func decimalParts(v string) (negative bool, intDigits, fracDigits string) {
	rest, negative := strings.CutPrefix(v, "-")
	intDigits, fracDigits, _ = strings.Cut(rest, ".")
	intDigits, fracDigits = strings.TrimLeft(intDigits, "0"), strings.TrimRight(fracDigits, "0")
	return negative && (intDigits != "" || fracDigits != ""), intDigits, fracDigits
}
