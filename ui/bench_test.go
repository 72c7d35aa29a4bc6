package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
)

func manyAccounts(n int) *flows.Balances {
	a := &flows.Balances{}
	for i := range n {
		a.Accounts = append(a.Accounts, flows.Account{
			Currency: fmt.Sprintf("T%05d", i), Symbol: "¤",
			Balance: flows.Decimal(fmt.Sprintf("%d.%08d", i, i*7919%100000000)), Reserved: "0.0", Type: "crypto",
		})
	}
	return a
}

func newBalancesForBench(b *testing.B) *balancesStep {
	a := test.NewTempApp(b)
	m := NewMainWindow(a, &scriptedEngine{}, Options{Do: func(f func()) { f() }})
	m.Window().Resize(fyne.NewSize(1024, 700))
	m.show(m.balances)
	m.balances.set(manyAccounts(10_000), time.Now())
	return m.balances
}

// BenchmarkFilterKeystroke10k is what one keystroke in the filter costs
// with 10,000 accounts: filter, realign, and redraw the visible rows.
func BenchmarkFilterKeystroke10k(b *testing.B) {
	s := newBalancesForBench(b)
	queries := []string{"T1", "T12", "T123", ""}
	i := 0
	for b.Loop() {
		s.filter.SetText(queries[i%len(queries)])
		i++
	}
}

// BenchmarkSetBalances10k is what a refresh that brings 10,000 accounts
// costs on the UI thread.
func BenchmarkSetBalances10k(b *testing.B) {
	s := newBalancesForBench(b)
	accounts := manyAccounts(10_000)
	for b.Loop() {
		s.set(accounts, time.Now())
	}
}

// BenchmarkUseLanguage is what choosing Japanese adds to start-up: parsing
// the embedded translations.
func BenchmarkUseLanguage(b *testing.B) {
	for b.Loop() {
		if err := UseLanguage("ja"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := UseLanguage("en"); err != nil {
		b.Fatal(err)
	}
}
