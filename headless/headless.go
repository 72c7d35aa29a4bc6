// Package headless runs a flow in a terminal: progress, the approval URL and
// the balances table go to stderr; the widget configuration alone goes to
// stdout (or a file), so it can be piped.
package headless

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/qexcompanion/qex-companion/balances"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Run runs flow, printing progress to stderr, and writes the widget
// configuration to outFile, or to stdout when outFile is empty.
func Run(ctx context.Context, flow *flows.QEXFlow, stdout, stderr io.Writer, outFile string) error {
	p := &printer{w: stderr}
	res, err := flow.Run(ctx, p.print)
	if err != nil {
		return err
	}
	return writeConfig(res.WidgetConfig, stdout, stderr, outFile)
}

// printer renders flow events as short lines for a person at a terminal.
type printer struct {
	w          io.Writer
	lastReason string
}

func (p *printer) print(e flows.Event) {
	switch e := e.(type) {
	case flows.SessionCreated:
		fmt.Fprintf(p.w, "• Session %s created (%s).\n", e.SessionID, e.Environment)
	case flows.ApprovalURLReady:
		fmt.Fprintf(p.w, "• Approve the connection in your browser:\n\n    %s\n\n", e.URL)
		switch {
		case e.Opened:
			fmt.Fprintln(p.w, "  Opened in your browser. If nothing appeared, open the link above yourself.")
		case e.OpenErr != nil:
			fmt.Fprintf(p.w, "  Could not open a browser (%v): open the link above yourself.\n", e.OpenErr)
		default:
			fmt.Fprintln(p.w, "  Open the link above in a browser (on any device).")
		}
	case flows.CallbackUnavailable, flows.CallbackIgnored:
		fmt.Fprintf(p.w, "  Note: %s.\n", e)
	case flows.Waiting:
		// Polling repeats itself; say it once per distinct reason.
		if e.Reason != p.lastReason {
			fmt.Fprintf(p.w, "  Waiting for approval (%s)…\n", e.Reason)
			p.lastReason = e.Reason
		}
	case flows.Approved:
		fmt.Fprintf(p.w, "• Approved (noticed via %s).\n", e.Via)
	case flows.BalancesFetched:
		fmt.Fprintln(p.w)
		PrintBalances(p.w, e.Accounts)
		fmt.Fprintln(p.w)
	case flows.WidgetConfigReady:
		// The configuration itself is written once Run returns.
	case flows.Failed:
		// Run's caller reports the error once, as the last line.
	default:
		fmt.Fprintf(p.w, "• %s\n", e)
	}
}

// PrintBalances writes a table of accounts: currency, symbol, balance,
// reserved, type, with amounts exactly as the server sent them, aligned on
// the decimal point.
func PrintBalances(w io.Writer, accounts *qex.Accounts) {
	rows := balances.Rows(accounts)
	if len(rows) == 0 {
		fmt.Fprintln(w, "No accounts.")
		return
	}
	bal := make([]string, len(rows))
	res := make([]string, len(rows))
	for i, r := range rows {
		bal[i], res[i] = r.Balance, r.Reserved
	}
	bal, res = balances.AlignDecimals(bal), balances.AlignDecimals(res)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENCY\tSYMBOL\tBALANCE\tRESERVED\tTYPE")
	for i, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Currency, r.Symbol, bal[i], res[i], r.Type)
	}
	tw.Flush() //nolint:errcheck // a terminal
}

// writeConfig writes the configuration as JSON to stdout, or to outFile
// (created 0600, since it holds the session secret, and replaced whole).
func writeConfig(cfg widgetcfg.Config, stdout, stderr io.Writer, outFile string) error {
	if outFile == "" {
		data, err := cfg.MarshalIndent()
		if err != nil {
			return err
		}
		_, err = stdout.Write(data)
		return err
	}
	if err := cfg.WriteFile(outFile); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "• Widget configuration written to %s (it contains the session secret: keep it private).\n", outFile)
	return nil
}
