package balances_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/balances"
)

func TestAlignDecimals(t *testing.T) {
	got := balances.AlignDecimals([]string{"0.06", "12.345678901234567891", "1250", "—", "98765432.1"})
	want := []string{
		"       0.06                ",
		"      12.345678901234567891",
		"    1250                   ",
		"       —                   ",
		"98765432.1                 ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func accounts() *flows.Balances {
	return &flows.Balances{Accounts: []flows.Account{
		{Currency: "BTC", Symbol: "₿", Balance: "0.06", Reserved: "0.0", Type: "crypto"},
		{Currency: "LTC", Symbol: "Ł", Balance: "0.0", Reserved: "0.0", Type: "crypto"},
		{Currency: "USD", Symbol: "$", Balance: "", Reserved: "1.5", Type: "fiat"},
		{Currency: "SGD", Symbol: "S$", Balance: "", Reserved: "", Type: "fiat"},
	}}
}

func currencies(rows []balances.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Currency)
	}
	return out
}

func TestRowsAndFilter(t *testing.T) {
	rows := balances.Rows(accounts())
	if got := currencies(rows); !slices.Equal(got, []string{"BTC", "LTC", "USD", "SGD"}) {
		t.Fatalf("order %v", got)
	}
	if rows[2].Balance != balances.Null || rows[2].Reserved != "1.5" {
		t.Errorf("null balance row %+v", rows[2])
	}
	cases := []struct {
		query    string
		hideZero bool
		want     []string
	}{
		{"", false, []string{"BTC", "LTC", "USD", "SGD"}},
		{"", true, []string{"BTC", "USD"}}, // USD has a reserved amount
		{"fiat", false, []string{"USD", "SGD"}},
		{" s ", false, []string{"USD", "SGD"}},
		{"₿", false, []string{"BTC"}},
		{"btc", true, []string{"BTC"}},
		{"nothing", false, nil},
	}
	for _, tc := range cases {
		if got := currencies(balances.Filter(rows, tc.query, tc.hideZero)); !slices.Equal(got, tc.want) {
			t.Errorf("Filter(%q, %v) = %v, want %v", tc.query, tc.hideZero, got, tc.want)
		}
	}
	if balances.Rows(nil) != nil {
		t.Error("Rows(nil) is not empty")
	}
}

// hostileAccounts is what a hostile or broken server might send: escape
// sequences, a bell and a bidi override in the text fields, and amounts
// that are not decimal numbers.
func hostileAccounts() *flows.Balances {
	return &flows.Balances{Accounts: []flows.Account{
		{Currency: "\x1b[2JBTC", Symbol: "\x1b]0;pwned\x07₿", Balance: "0.06", Reserved: "abc", Type: "crypto\u202e"},
		{Currency: "ETH", Symbol: "Ξ", Balance: "NaN", Reserved: "1e400", Type: "crypto"},
		{Currency: "USD", Symbol: "$", Balance: "1,000.00", Reserved: "1250", Type: "fiat"},
		{Currency: "EUR", Symbol: "€", Balance: "+5", Reserved: "", Type: "fiat"},
	}}
}

func TestHostileRowsAreCleanedAndFlagged(t *testing.T) {
	rows := balances.Rows(hostileAccounts())
	got := []balances.Row{rows[0], rows[1], rows[2], rows[3]}
	want := [][6]string{
		{"[2JBTC", "]0;pwned ₿", "0.06", `malformed: "abc"`, "crypto", "1"},
		{"ETH", "Ξ", `malformed: "NaN"`, `malformed: "1e400"`, "crypto", "2"},
		{"USD", "$", `malformed: "1,000.00"`, "1250", "fiat", "1"},
		{"EUR", "€", `malformed: "+5"`, balances.Null, "fiat", "1"},
	}
	for i, r := range got {
		if have := [6]string{r.Currency, r.Symbol, r.Balance, r.Reserved, r.Type, fmt.Sprint(r.Malformed)}; have != want[i] {
			t.Errorf("row %d = %q, want %q", i, have, want[i])
		}
	}
	if n := balances.MalformedCount(rows); n != 5 {
		t.Errorf("MalformedCount = %d, want 5", n)
	}
	// Malformed amounts stay out of the alignment: the numbers line up
	// among themselves, as if the others were not there.
	bal, res := balances.Amounts(rows)
	if want := []string{"0.06", `malformed: "NaN"`, `malformed: "1,000.00"`, `malformed: "+5"`}; !slices.Equal(bal, want) {
		t.Errorf("balances %q, want %q", bal, want)
	}
	if want := []string{`malformed: "abc"`, `malformed: "1e400"`, "1250", "   —"}; !slices.Equal(res, want) {
		t.Errorf("reserved %q, want %q", res, want)
	}
	// A row with a malformed amount is never hidden as zero.
	if got := currencies(balances.Filter(rows, "", true)); len(got) != 4 {
		t.Errorf("hide zero kept %v", got)
	}
}

func TestIsDecimal(t *testing.T) {
	for d, want := range map[flows.Decimal]bool{
		"0.06": true, "-12": true, "1250": true, "0.000000012345678901": true, "-0.0": true,
		"": false, "abc": false, "NaN": false, "Infinity": false, "1e400": false, "1,000.00": false,
		"+5": false, "1.": false, ".5": false, "-": false, "1.2.3": false, " 1": false, "١٢": false,
		flows.Decimal(strings.Repeat("9", 65)): false,
	} {
		if d.IsDecimal() != want {
			t.Errorf("Decimal(%q).IsDecimal() = %v", d, !want)
		}
	}
}

// trickyAccounts have amounts whose order a float would get wrong or that
// only compare right digit by digit, a null and amounts that are not
// numbers.
func trickyAccounts() *flows.Balances {
	return &flows.Balances{Accounts: []flows.Account{
		{Currency: "eth", Symbol: "Ξ", Balance: "12.345678901234567891", Reserved: "0.5", Type: "crypto"},
		{Currency: "BAD", Symbol: "?", Balance: "1e-18", Reserved: "", Type: "crypto"},
		{Currency: "ETC", Symbol: "ξ", Balance: "12.345678901234567890", Reserved: "-0.000", Type: "crypto"},
		{Currency: "USDT", Symbol: "₮", Balance: "0.000000000000000001", Reserved: "0", Type: "crypto"},
		{Currency: "NUL", Symbol: "∅", Balance: "", Reserved: "abc", Type: "fiat"},
		{Currency: "DEBT", Symbol: "D", Balance: "-0.5", Reserved: "0.10", Type: "fiat"},
		{Currency: "ZERO", Symbol: "0", Balance: "-0.0", Reserved: "0.1", Type: "fiat"},
		{Currency: "BIG", Symbol: "B", Balance: "99999999999999999999.9", Reserved: "100000000000000000000", Type: "fiat"},
		{Currency: "Abc", Symbol: "a", Balance: "9.99", Reserved: "10", Type: "crypto"},
	}}
}

func TestSort(t *testing.T) {
	rows := balances.Rows(trickyAccounts())
	cases := []struct {
		order balances.Order
		want  []string
	}{
		{balances.Order{}, []string{"eth", "BAD", "ETC", "USDT", "NUL", "DEBT", "ZERO", "BIG", "Abc"}},
		{balances.Order{By: balances.ByCurrency}, []string{"Abc", "BAD", "BIG", "DEBT", "ETC", "eth", "NUL", "USDT", "ZERO"}},
		{balances.Order{By: balances.ByCurrency, Descending: true}, []string{"ZERO", "USDT", "NUL", "eth", "ETC", "DEBT", "BIG", "BAD", "Abc"}},
		// -0.5 < -0.0 = 0 < 1e-18 < 9.99 < ...890 < ...891 < 99999999999999999999.9; then null, then malformed.
		{balances.Order{By: balances.ByBalance}, []string{"DEBT", "ZERO", "USDT", "Abc", "ETC", "eth", "BIG", "NUL", "BAD"}},
		{balances.Order{By: balances.ByBalance, Descending: true}, []string{"BIG", "eth", "ETC", "Abc", "USDT", "ZERO", "DEBT", "NUL", "BAD"}},
		// -0.000 = 0 (stable: ETC before USDT), 0.10 = 0.1 (DEBT before ZERO).
		{balances.Order{By: balances.ByReserved}, []string{"ETC", "USDT", "DEBT", "ZERO", "eth", "Abc", "BIG", "BAD", "NUL"}},
		{balances.Order{By: balances.ByReserved, Descending: true}, []string{"BIG", "Abc", "eth", "DEBT", "ZERO", "ETC", "USDT", "BAD", "NUL"}},
		{balances.Order{By: balances.ByType}, []string{"eth", "BAD", "ETC", "USDT", "Abc", "NUL", "DEBT", "ZERO", "BIG"}},
		{balances.Order{By: balances.ByType, Descending: true}, []string{"NUL", "DEBT", "ZERO", "BIG", "eth", "BAD", "ETC", "USDT", "Abc"}},
	}
	for _, tc := range cases {
		if got := currencies(balances.Sort(rows, tc.order)); !slices.Equal(got, tc.want) {
			t.Errorf("Sort(%+v) =\n%v, want\n%v", tc.order, got, tc.want)
		}
	}
	if got := currencies(rows); !slices.Equal(got, cases[0].want) {
		t.Errorf("Sort reordered its argument: %v", got)
	}
}

func TestExact(t *testing.T) {
	rows := balances.Rows(trickyAccounts())
	cases := []struct {
		row    int
		column balances.Column
		want   string
		ok     bool
	}{
		{0, balances.ByBalance, "12.345678901234567891", true},
		{2, balances.ByReserved, "-0.000", true},
		{3, balances.ByBalance, "0.000000000000000001", true},
		{1, balances.ByBalance, "", false}, // 1e-18 is not a decimal as sent
		{4, balances.ByBalance, "", false}, // null
		{4, balances.ByReserved, "", false},
		{0, balances.ByCurrency, "", false},
	}
	for _, tc := range cases {
		got, ok := rows[tc.row].Exact(tc.column)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("row %d column %d: %q, %v; want %q, %v", tc.row, tc.column, got, ok, tc.want, tc.ok)
		}
	}
}
