package balances_test

import (
	"slices"
	"testing"

	"github.com/qexcompanion/qex-companion/balances"
	"github.com/qexcompanion/qex-companion/flows/qex"
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

func accounts() *qex.Accounts {
	return &qex.Accounts{
		CryptoAccounts: []qex.Account{
			{Currency: "BTC", CurrencySymbol: "₿", Balance: "0.06", ReservedBalance: "0.0", CurrencyType: "crypto"},
			{Currency: "LTC", CurrencySymbol: "Ł", Balance: "0.0", ReservedBalance: "0.0", CurrencyType: "crypto"},
		},
		FiatAccounts: []qex.Account{
			{Currency: "USD", CurrencySymbol: "$", Balance: "", ReservedBalance: "1.5", CurrencyType: "fiat"},
			{Currency: "SGD", CurrencySymbol: "S$", Balance: "", ReservedBalance: "", CurrencyType: "fiat"},
		},
	}
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
