// Package flows runs the app's authorization flows against provider servers
// and reports their progress as a stream of typed events, which the terminal
// printer and the GUI both render. It imports no UI code.
package flows

import (
	"fmt"
	"time"

	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Event is one step of a flow's progress. String is a one-line description
// for logs; it never contains a secret.
type Event interface {
	String() string
}

// Started: the server created what the user is to approve: a QEX partner
// session, a Liquid OAuth request.
type Started struct {
	What        string // "session", "OAuth request"
	ID          string
	Environment string    // as the server named it, if it did
	Expires     time.Time // zero when the server did not say
}

func (e Started) String() string {
	s := e.What + " " + e.ID + " created"
	if e.Environment != "" {
		s += " (" + e.Environment + ")"
	}
	if !e.Expires.IsZero() {
		at := e.Expires.Local()
		layout := "15:04:05"
		if y, m, d := at.Date(); y != time.Now().Year() || m != time.Now().Month() || d != time.Now().Day() {
			layout = "2 Jan 2006 15:04:05" // not today: say which day
		}
		s += "; it expires at " + at.Format(layout)
	}
	return s
}

// ApprovalURLReady: the user must approve the session at URL. Opened says
// whether a browser was started; OpenErr says why not, when one was asked for.
type ApprovalURLReady struct {
	URL       string
	ReturnURL string // where the browser comes back; empty when only polling
	Opened    bool
	OpenErr   error
}

func (e ApprovalURLReady) String() string {
	switch {
	case e.Opened:
		return "approval page opened in the browser: " + e.URL
	case e.OpenErr != nil:
		return fmt.Sprintf("could not open a browser (%v); open the approval page yourself: %s", e.OpenErr, e.URL)
	default:
		return "open the approval page in a browser: " + e.URL
	}
}

// CallbackUnavailable: no return address could be set up, so approval is
// detected by polling alone.
type CallbackUnavailable struct{ Err error }

func (e CallbackUnavailable) String() string {
	return fmt.Sprintf("no browser return address (%v); approval will be detected by polling", e.Err)
}

// Waiting: access is not granted yet, or (Failed) the last check failed
// for a passing reason; the next check is in Next.
type Waiting struct {
	Reason string // what the last check said, e.g. the server's message
	Failed bool
	Next   time.Duration
}

func (e Waiting) String() string {
	return fmt.Sprintf("waiting for approval (%s); checking again in %s", e.Reason, e.Next.Round(100*time.Millisecond))
}

// CallbackIgnored: something arrived at the return address that is not the
// pending flow's answer (wrong state, path, method or host). The flow keeps
// waiting.
type CallbackIgnored struct{ Reason string }

func (e CallbackIgnored) String() string { return "callback " + e.Reason }

// Approved: the session is approved. Via says how the app noticed.
type Approved struct{ Via string }

func (e Approved) String() string { return "approved (noticed via " + e.Via + ")" }

// BalancesFetched: the user's balances, at connection and at each refresh.
type BalancesFetched struct {
	Balances *Balances
	At       time.Time
}

func (e BalancesFetched) String() string {
	return fmt.Sprintf("balances fetched: %d accounts", len(e.Balances.Accounts))
}

// ResultReady: the flow succeeded; Result is what the provider shows. Its
// Output may hold what the user asked for (the widget configuration holds
// the session secret); String holds no secret.
type ResultReady struct{ Result *Result }

func (e ResultReady) String() string {
	return fmt.Sprintf("connected: %s profile with %d facts", e.Result.Provider, len(e.Result.Profile))
}

// WidgetConfigReady: the widget identity configuration. Config holds the
// session secret; String does not.
type WidgetConfigReady struct{ Config widgetcfg.Config }

func (e WidgetConfigReady) String() string { return "widget configuration ready" }

// Failed: the flow ended without success.
type Failed struct{ Err error }

func (e Failed) String() string { return "failed: " + e.Err.Error() }
