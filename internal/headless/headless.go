// Package headless runs a flow in a terminal: progress, the approval URL,
// the profile and the balances table go to stderr; the provider's result
// document alone (the widget configuration for QEX, one JSON object for the
// others) goes to stdout (or a file), so it can be piped.
package headless

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/balances"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Options are what a terminal run was asked for.
type Options struct {
	Target flows.Target
	// ToStdout prints the result on stdout (not when the engine writes it
	// to a file, or a Call's answer goes there).
	ToStdout bool
	// Call, when Method is set, sends one request after connecting; the
	// result is not fetched unless ResultToFile.
	Method, PathQuery string
	// ResultToFile: the engine writes the result to a file (--out).
	ResultToFile bool
	Body         []byte
	// Widget serves the widget page after connecting, until ctx ends.
	Widget bool
	// Open opens a URL in the browser; nil to only print it.
	Open func(url string) error
}

// Main runs a terminal session: it names the provider and where it runs,
// connects, then sends the Call or serves the Widget if asked.
func Main(ctx context.Context, engine *flows.Engine, o Options, stdout, stderr io.Writer) error {
	info := engine.Info(o.Target.Provider)
	where := "the embedded sandbox"
	if o.Target.APIBase != "" {
		where = o.Target.APIBase
	} else if o.Target.Env == flows.EnvProduction {
		where = info.ProductionBase
	}
	fmt.Fprintf(stderr, "QEX Companion — %s, %s environment, API %s\n", info.Title, o.Target.Env, where)
	if o.Method != "" && !o.ResultToFile {
		p := &printer{w: stderr}
		err := engine.Open(ctx, o.Target, p.print)
		p.flush()
		if err != nil {
			return err
		}
		if p.writeErr != nil {
			return p.writeErr
		}
		return Call(ctx, engine, o.Method, o.PathQuery, o.Body, stdout, stderr)
	}
	res, err := Run(ctx, engine, o.Target, stdout, stderr, o.ToStdout)
	switch {
	case err != nil:
		return err
	case o.Method != "":
		return Call(ctx, engine, o.Method, o.PathQuery, o.Body, stdout, stderr)
	case o.Widget && res.Widget != nil:
		return Widget(ctx, engine, res.Widget.Config, stdout, stderr, o.Open)
	}
	return nil
}

// SignOut ends the session saved for t and forgets it (--sign-out).
func SignOut(ctx context.Context, engine *flows.Engine, t flows.Target, stderr io.Writer) error {
	out, err := engine.SignOutSaved(ctx, t)
	if errors.Is(err, flows.ErrNoSavedSession) {
		fmt.Fprintf(stderr, "Nothing to sign out: no %s session is saved for %s %s.\n", engine.Info(t.Provider).Name, t.Env, engine.SessionKey(t).Account)
		return nil
	}
	if err != nil {
		return err
	}
	PrintSignOut(stderr, out)
	return nil
}

// Run connects to target with engine, printing progress to stderr. The
// result's Output goes to stdout, unless the engine writes it to a file
// (its OutFile), which Run then reports.
func Run(ctx context.Context, engine *flows.Engine, target flows.Target, stdout, stderr io.Writer, toStdout bool) (*flows.Result, error) {
	p := &printer{w: stderr}
	res, err := engine.Run(ctx, target, p.print)
	p.flush()
	if err != nil {
		return nil, err
	}
	if p.writeErr != nil {
		return nil, p.writeErr
	}
	if n := balances.MalformedCount(balances.Rows(res.Balances)); n > 0 {
		return nil, fmt.Errorf("the server sent %d amounts that are not decimal numbers (marked malformed above): its balances cannot be trusted; report it to the server's operator", n)
	}
	if !toStdout {
		return res, nil
	}
	_, err = stdout.Write(res.Output)
	return res, err
}

// Call sends one request with the connected session's authentication
// (--call) and prints the answer's body on stdout, like `gh api`. A
// non-2xx answer is an error naming the status and what the server said.
func Call(ctx context.Context, engine *flows.Engine, method, pathQuery string, body []byte, stdout, stderr io.Writer) error {
	resp, err := engine.Call(ctx, method, pathQuery, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "• %s %s → HTTP %d\n", method, oneline.Clean(pathQuery, 200), resp.Status)
	if _, err := stdout.Write(resp.Body); err != nil {
		return err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return fmt.Errorf("%s %s: the server answered HTTP %d: %q", method, oneline.Clean(pathQuery, 200), resp.Status, oneline.Clean(string(resp.Body), 200))
	}
	return nil
}

// Widget serves cfg on the widget page (opening it with open, if set),
// prints the page's URL on stderr and each widget event as one JSON line,
// {"event": …, "data": …}, on stdout, until ctx ends.
func Widget(ctx context.Context, engine *flows.Engine, cfg widgetcfg.Config, stdout, stderr io.Writer, open func(string) error) error {
	url, err := engine.ServeWidget(cfg, func(e flows.Event) {
		switch e := e.(type) {
		case flows.WidgetEvent:
			stdout.Write(e.Line()) //nolint:errcheck // a closed pipe ends nothing here
		case flows.WidgetRefused:
			fmt.Fprintf(stderr, "  Note: %s.\n", e)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "• Widget page: %s\n", url)
	if open != nil {
		if err := open(url); err != nil {
			fmt.Fprintf(stderr, "  Could not open a browser (%v): open the page yourself.\n", err)
		}
	}
	fmt.Fprintln(stderr, "  Widget events follow on stdout, one JSON line each. Press Ctrl+C to stop.")
	<-ctx.Done()
	return nil
}

// printer renders flow events as short lines for a person at a terminal.
type printer struct {
	w          io.Writer
	lastReason string
	writeErr   error
	// lastAnswer is the last exchange printed, less its latency; repeats
	// counts the identical ones that followed it, unprinted: a poll asking
	// every few seconds for ten minutes says so in two lines, not 120.
	lastAnswer string
	repeats    int
}

// Write writes a line to the terminal, after saying how often the last
// exchange repeated.
func (p *printer) Write(b []byte) (int, error) {
	p.flush()
	p.lastAnswer = ""
	return p.w.Write(b)
}

// flush says how often the last exchange printed was repeated since.
func (p *printer) flush() {
	switch {
	case p.repeats == 1:
		fmt.Fprintln(p.w, "  (the same once more)")
	case p.repeats > 1:
		fmt.Fprintf(p.w, "  (the same %d more times)\n", p.repeats)
	}
	p.repeats = 0
}

func (p *printer) print(e flows.Event) {
	if ex, ok := e.(flows.HTTPExchange); ok {
		ex.Latency = 0
		answer := ex.String()
		if answer == p.lastAnswer {
			p.repeats++
			return
		}
		defer func() { p.lastAnswer = answer }()
	}
	switch e := e.(type) {
	case flows.Started:
		fmt.Fprintf(p, "• %s.\n", oneline.Sentence(e.String()))
	case flows.ApprovalURLReady:
		fmt.Fprintf(p, "• Approve the connection in your browser:\n\n    %s\n\n", e.URL)
		switch {
		case e.Opened:
			fmt.Fprintln(p, "  Opened in your browser. If nothing appeared, open the link above yourself.")
		case e.OpenErr != nil:
			fmt.Fprintf(p, "  Could not open a browser (%v): open the link above yourself.\n", e.OpenErr)
		default:
			fmt.Fprintln(p, "  Open the link above in a browser (on any device).")
		}
	case flows.CallbackUnavailable, flows.CallbackIgnored:
		fmt.Fprintf(p, "  Note: %s.\n", e)
	case flows.Waiting:
		// Polling repeats itself; say it once per distinct reason.
		if reason := e.Reason.String(); reason != p.lastReason {
			if e.Failed {
				fmt.Fprintf(p, "  The last check failed (%s); trying again…\n", oneline.Clean(reason, 300))
			} else {
				fmt.Fprintf(p, "  Waiting for approval (%s)…\n", oneline.Clean(reason, 300))
			}
			p.lastReason = reason
		}
	case flows.Approved:
		fmt.Fprintf(p, "• Approved (noticed via %s).\n", e.Via.New(nil))
	case flows.BalancesFetched:
		fmt.Fprintln(p)
		PrintBalances(p, e.Balances)
		fmt.Fprintln(p)
	case flows.Resumed:
		fmt.Fprintf(p, "• %s (no approval needed; --no-resume starts a new one).\n", oneline.Sentence(e.String()))
	case flows.ResumeDeclined:
		fmt.Fprintf(p, "  Note: %s.\n", e)
	case flows.SessionSaved:
		if e.Err != nil {
			fmt.Fprintf(p, "  Note: %s\n", e.Err)
		} else {
			fmt.Fprintf(p, "• %s.\n", oneline.Sentence(e.String()))
		}
	case flows.ConfigWritten:
		if e.Err != nil {
			p.writeErr = e.Err
		} else {
			fmt.Fprintf(p, "• Result written to %s (readable only by you: it may hold secrets).\n", e.Path)
		}
	case flows.ResultReady:
		PrintProfile(p, e.Result.Profile)
	case flows.WidgetConfigReady:
		// The configuration itself is written once Run returns.
	case flows.Failed:
		// Run's caller reports the error once, as the last line.
	default:
		fmt.Fprintf(p, "• %s\n", oneline.Clean(e.String(), 500))
	}
}

// PrintBalances writes a table of accounts: currency, symbol, balance,
// reserved, type (symbol and type only when some account has one), with
// amounts exactly as the server sent them, aligned on the decimal point,
// and amounts that are not numbers marked malformed.
func PrintBalances(w io.Writer, b *flows.Balances) {
	rows := balances.Rows(b)
	if len(rows) == 0 {
		fmt.Fprintln(w, "No accounts.")
		return
	}
	bal, res := balances.Amounts(rows)
	tw, flush := newTable(w)
	cols := balances.Columns(rows)
	line := func(cell map[balances.Column]string) {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell[c]
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	line(map[balances.Column]string{balances.ByCurrency: "CURRENCY", balances.BySymbol: "SYMBOL", balances.ByBalance: "BALANCE", balances.ByReserved: "RESERVED", balances.ByType: "TYPE"})
	for i, r := range rows {
		line(map[balances.Column]string{balances.ByCurrency: r.Currency, balances.BySymbol: r.Symbol, balances.ByBalance: bal[i], balances.ByReserved: res[i], balances.ByType: r.Type})
	}
	flush()
}

// newTable returns a table writer and what writes the table out to w: in
// one write (tabwriter alone writes each cell and each padding on its own,
// a system call each on a terminal: 130 for the sandbox's balances), and
// without the padding that ends a line before an empty last cell (a
// provider without types), which is no part of what the table shows.
func newTable(w io.Writer) (*tabwriter.Writer, func()) {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	return tw, func() {
		tw.Flush() //nolint:errcheck // into memory
		var out strings.Builder
		for line := range strings.Lines(table.String()) {
			out.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
		w.Write([]byte(out.String())) //nolint:errcheck // a terminal
	}
}

// PrintProfile writes a profile's facts, one per line, cleaned of anything
// a terminal would obey.
func PrintProfile(w io.Writer, facts []flows.Fact) {
	if len(facts) == 0 {
		return
	}
	tw, flush := newTable(w)
	for _, f := range facts {
		value := oneline.FieldOrNone(f.Value, 200)
		if f.Secret {
			value = "(a secret: not shown here)"
		}
		fmt.Fprintf(tw, "  %s:\t%s\n", oneline.Clean(f.Label, 40), value)
	}
	flush()
	fmt.Fprintln(w)
}

// PrintSignOut reports the end of --sign-out.
func PrintSignOut(w io.Writer, out flows.SignedOut) {
	fmt.Fprintf(w, "• %s.\n", oneline.Sentence(out.String()))
}
