// Package flows runs the app's authorization flows against provider servers
// and reports their progress as a stream of typed events, which the terminal
// printer and the GUI both render. It imports no UI code.
package flows

import (
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Event is one step of a flow's progress. String is a one-line description
// for logs, in English; it never contains a secret.
type Event interface {
	String() string
}

// Summarized is an event whose summary is a message, which a front end
// renders in its own language (String is its English).
type Summarized interface {
	Event
	Message() msg.Message
}

// Started: the server created what the user is to approve: a QEX partner
// session, a Liquid OAuth request.
type Started struct {
	What msg.Kind // msg.ThingSession, msg.ThingOAuth…
	// ID is how the server names it: its text, or a msg.Message that
	// words it ("request …"); none (nil or "") when the server sent none.
	ID          any
	Environment string    // as the server named it, if it did
	Expires     time.Time // zero when the server did not say
}

func (e Started) String() string { return e.Message().String() }

func (e Started) Message() msg.Message {
	args := msg.Args{"What": e.What, "ID": e.ID, "Env": e.Environment}
	kind := msg.EventStarted
	if e.Environment != "" {
		kind = msg.EventStartedEnv
	}
	if !e.Expires.IsZero() {
		at := e.Expires.Local()
		layout := "15:04:05"
		if y, m, d := at.Date(); y != time.Now().Year() || m != time.Now().Month() || d != time.Now().Day() {
			layout = "2 Jan 2006 15:04:05" // not today: say which day
		}
		args["At"] = at.Format(layout)
		kind = map[msg.Kind]msg.Kind{msg.EventStarted: msg.EventStartedExpires, msg.EventStartedEnv: msg.EventStartedEnvExp}[kind]
	}
	return kind.New(args)
}

// ApprovalURLReady: the user must approve the session at URL. Opened says
// whether a browser was started; OpenErr says why not, when one was asked for.
type ApprovalURLReady struct {
	URL       string
	ReturnURL string // where the browser comes back; empty when only polling
	Opened    bool
	OpenErr   error
}

func (e ApprovalURLReady) String() string { return e.Message().String() }

func (e ApprovalURLReady) Message() msg.Message {
	switch {
	case e.Opened:
		return msg.EventApprovalOpened.New(msg.Args{"URL": e.URL})
	case e.OpenErr != nil:
		return msg.EventApprovalNoOpen.New(msg.Args{"URL": e.URL, "Err": e.OpenErr})
	default:
		return msg.EventApprovalOpenThis.New(msg.Args{"URL": e.URL})
	}
}

// CallbackUnavailable: no return address could be set up, so approval is
// detected by polling alone.
type CallbackUnavailable struct{ Err error }

func (e CallbackUnavailable) String() string { return e.Message().String() }

func (e CallbackUnavailable) Message() msg.Message {
	return msg.EventNoReturn.New(msg.Args{"Err": e.Err})
}

// Waiting: access is not granted yet, or (Failed) the last check failed
// for a passing reason; the next check is in Next.
type Waiting struct {
	Reason msg.Message // what the last check said, e.g. the server's message
	Failed bool
	Next   time.Duration
}

func (e Waiting) String() string { return e.Message().String() }

func (e Waiting) Message() msg.Message {
	return msg.EventWaiting.New(msg.Args{"Reason": e.Reason, "Next": e.Next.Round(100 * time.Millisecond)})
}

// CallbackIgnored: something arrived at the return address that is not the
// pending flow's answer (wrong state, path, method or host). The flow keeps
// waiting.
type CallbackIgnored struct{ Reason msg.Message }

func (e CallbackIgnored) String() string { return e.Message().String() }

func (e CallbackIgnored) Message() msg.Message {
	return msg.EventCallbackIgnored.New(msg.Args{"Reason": e.Reason})
}

// Approved: the session is approved. Via says how the app noticed:
// msg.ViaReturn, msg.ViaCheck or msg.ViaPolling.
type Approved struct{ Via msg.Kind }

func (e Approved) String() string { return e.Message().String() }

func (e Approved) Message() msg.Message { return msg.EventApproved.New(msg.Args{"Via": e.Via}) }

// BalancesFetched: the user's balances, at connection and at each refresh.
type BalancesFetched struct {
	Balances *Balances
	At       time.Time
}

func (e BalancesFetched) String() string { return e.Message().String() }

func (e BalancesFetched) Message() msg.Message {
	return msg.EventBalances.New(msg.Args{"Count": len(e.Balances.Accounts)})
}

// ResultReady: the flow succeeded; Result is what the provider shows. Its
// Output may hold what the user asked for (the widget configuration holds
// the session secret); String holds no secret.
type ResultReady struct{ Result *Result }

func (e ResultReady) String() string { return e.Message().String() }

func (e ResultReady) Message() msg.Message {
	return msg.EventConnected.New(msg.Args{"Provider": e.Result.Provider})
}

// WidgetConfigReady: the widget identity configuration. Config holds the
// session secret; String does not.
type WidgetConfigReady struct{ Config widgetcfg.Config }

func (e WidgetConfigReady) String() string { return e.Message().String() }

func (e WidgetConfigReady) Message() msg.Message { return msg.EventWidgetConfig.New(nil) }

// Failed: the flow ended without success.
type Failed struct{ Err error }

func (e Failed) String() string { return e.Message().String() }

func (e Failed) Message() msg.Message { return msg.EventFailed.New(msg.Args{"Err": e.Err}) }

// ConfigWritten reports the outcome of writing a result's Output to the
// engine's OutFile.
type ConfigWritten struct {
	Path string
	Err  error
}

func (e ConfigWritten) String() string { return e.Message().String() }

func (e ConfigWritten) Message() msg.Message {
	if e.Err != nil {
		return msg.EventWriteFailed.New(msg.Args{"Err": e.Err})
	}
	return msg.EventWritten.New(msg.Args{"Path": e.Path})
}

// RefreshFailed reports a refresh that did not work; the session and what
// is shown stay as they were.
type RefreshFailed struct{ Err error }

func (e RefreshFailed) String() string { return e.Message().String() }

func (e RefreshFailed) Message() msg.Message {
	return msg.EventRefreshFailed.New(msg.Args{"Err": e.Err})
}

// ResultUpdated: a refresh fetched the current session's result again.
type ResultUpdated struct{ Result *Result }

func (e ResultUpdated) String() string { return e.Message().String() }

func (e ResultUpdated) Message() msg.Message {
	return msg.EventRefreshed.New(msg.Args{"Provider": e.Result.Provider})
}

// InputNotRemembered: a secret input could not be kept in (or removed
// from) the keychain.
type InputNotRemembered struct {
	Label string
	Err   error
}

func (e InputNotRemembered) String() string { return e.Message().String() }

func (e InputNotRemembered) Message() msg.Message {
	return msg.EventNotRemembered.New(msg.Args{"Field": msg.FieldLabel(e.Label), "Err": e.Err})
}
