package headless_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/headless"
)

// A server's currency fields carry a screen clear, a window-title OSC, a
// bell and a bidi override, and its amounts are not all numbers: the table
// shows inert text and marks the amounts malformed, unaligned.
func TestPrintBalancesOfAHostileServer(t *testing.T) {
	accounts := &flows.Balances{Accounts: []flows.Account{
		{Currency: "\x1b[2JBTC", Symbol: "\x1b]0;pwned\x07₿", Balance: "0.06", Reserved: "abc", Type: "crypto\u202e"},
		{Currency: "ETH", Symbol: "\u009bΞ", Balance: "NaN", Reserved: "1e400", Type: "crypto"}, {Currency: "USD", Symbol: "$", Balance: "1,000.00", Reserved: "12.5", Type: "fiat"}},
	}
	var out bytes.Buffer
	headless.PrintBalances(&out, accounts)
	want := "" +
		"CURRENCY  SYMBOL      BALANCE                RESERVED            TYPE\n" +
		"[2JBTC    ]0;pwned ₿  0.06                   malformed: \"abc\"    crypto\n" +
		"ETH       Ξ           malformed: \"NaN\"       malformed: \"1e400\"  crypto\n" +
		"USD       $           malformed: \"1,000.00\"  12.5                fiat\n"
	if got := out.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}

// A secret fact (a token) never reaches the terminal.
func TestPrintProfileHidesSecrets(t *testing.T) {
	var out bytes.Buffer
	headless.PrintProfile(&out, []flows.Fact{{Label: "Token type", Value: "ACCESS_TOKEN"}, {Label: "Access token", Value: "tok-s3cret", Secret: true}})
	if strings.Contains(out.String(), "tok-s3cret") || !strings.Contains(out.String(), "ACCESS_TOKEN") || !strings.Contains(out.String(), "Access token:") {
		t.Errorf("printed:\n%s", out.String())
	}
}

// writes counts the writes it is given, as a terminal sees system calls.
type writes struct {
	bytes.Buffer
	n int
}

func (w *writes) Write(p []byte) (int, error) { w.n++; return w.Buffer.Write(p) }

// The balances reach the terminal whole, in one write, not a write per
// cell and padding.
func TestBalancesReachTheTerminalInOneWrite(t *testing.T) {
	var out writes
	headless.PrintBalances(&out, &flows.Balances{Accounts: []flows.Account{
		{Currency: "BTC", Symbol: "₿", Balance: "0.06", Reserved: "0.0", Type: "crypto"},
		{Currency: "JPY", Symbol: "¥", Balance: "1234567", Reserved: "1000", Type: "fiat"},
	}})
	if out.n != 1 || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("%d writes for\n%s", out.n, out.String())
	}
}

// A server that sends null, nothing or only control characters for an
// account's fields or a profile's facts leaves no gap and no trailing
// padding: a missing currency or fact reads "—", a provider without
// symbols or types (EXchange) ends its rows at the reserved amount.
func TestPrintOfNullEmptyAndControlOnlyFields(t *testing.T) {
	var out bytes.Buffer
	headless.PrintBalances(&out, &flows.Balances{Accounts: []flows.Account{
		{Currency: "", Balance: "0.5", Reserved: "0"},               // null
		{Currency: "   ", Symbol: " ", Balance: "1", Reserved: "0"}, // blank
		{Currency: "\x07\x1b", Symbol: "\u202e", Balance: "2", Reserved: "0", Type: "\x00"},
		{Currency: "  eth ", Balance: "3", Reserved: "0"},
	}})
	want := "" +
		"CURRENCY  BALANCE  RESERVED\n" +
		"—         0.5      0\n" +
		"—         1        0\n" +
		"—         2        0\n" +
		"eth       3        0\n"
	if got := out.String(); got != want {
		t.Errorf("printed\n%q\nwant\n%q", got, want)
	}

	out.Reset()
	headless.PrintProfile(&out, []flows.Fact{{Label: "Name", Value: ""}, {Label: "Email", Value: " \x1b "}, {Label: "Country", Value: "  JP  "}})
	if got, want := out.String(), "  Name:     —\n  Email:    —\n  Country:  JP\n\n"; got != want {
		t.Errorf("printed\n%q\nwant\n%q", got, want)
	}
}

// Accounts with no symbol and no type (EXchange's API sends neither) get no
// empty columns.
func TestPrintBalancesLeavesOutEmptyColumns(t *testing.T) {
	var out bytes.Buffer
	headless.PrintBalances(&out, &flows.Balances{Accounts: []flows.Account{{Currency: "BTC", Balance: "0.00726", Reserved: "0.0"}, {Currency: "ETH", Balance: "12.5", Reserved: "0.5"}}})
	want := "" +
		"CURRENCY  BALANCE   RESERVED\n" +
		"BTC        0.00726  0.0\n" +
		"ETH       12.5      0.5\n"
	if got := out.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}
