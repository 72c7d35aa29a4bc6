// Package flows runs the app's authorization flows against provider servers
// and reports their progress as a stream of typed events, which the terminal
// printer and the GUI both render. It imports no UI code.
package flows

import (
	"fmt"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Event is one step of a flow's progress. String is a one-line description
// for logs; it never contains a secret.
type Event interface {
	String() string
}

// SessionCreated: the server created a partner session.
type SessionCreated struct {
	SessionID   string
	Environment string // as the server named it: SANDBOX or PRODUCTION
}

func (e SessionCreated) String() string {
	return fmt.Sprintf("session %s created (%s)", e.SessionID, e.Environment)
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

// Waiting: the session is not approved yet; the next check is in Next.
type Waiting struct {
	Reason string // what the last check said, e.g. the server's message
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

// BalancesFetched: the user's accounts.
type BalancesFetched struct {
	Accounts *qex.Accounts
	At       time.Time
}

func (e BalancesFetched) String() string {
	return fmt.Sprintf("balances fetched: %d crypto and %d fiat accounts", len(e.Accounts.CryptoAccounts), len(e.Accounts.FiatAccounts))
}

// WidgetConfigReady: the widget identity configuration. Config holds the
// session secret; String does not.
type WidgetConfigReady struct{ Config widgetcfg.Config }

func (e WidgetConfigReady) String() string { return "widget configuration ready" }

// Failed: the flow ended without success.
type Failed struct{ Err error }

func (e Failed) String() string { return "failed: " + e.Err.Error() }
