package flows

import (
	"context"
	"errors"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
)

// Defaults for the engine's zero values.
const (
	DefaultTimeout = 10 * time.Minute
	DefaultPollMin = time.Second
	DefaultPollMax = 5 * time.Second
	// ReturnGrace is how long a loopback return address keeps answering
	// after approval was noticed another way (polling, the user's check):
	// long enough for a browser already on its way back to be told it is
	// connected, no longer than the flow's deadline or the app's life.
	ReturnGrace = 5 * time.Second
)

// ReceiverFactory starts a receiver for the browser's return.
type ReceiverFactory func(callback.Pending) (callback.Receiver, error)

// Loopback receives the browser's return on a loopback HTTP port.
func Loopback(p callback.Pending) (callback.Receiver, error) { return callback.ListenLoopback(p) }

// Approval is one wait for the user to approve access in a browser.
type Approval struct {
	// URL builds the page to open, given the return address (empty when
	// there is none); an error (the server would not start the sign-in)
	// ends the wait.
	URL func(returnURL string) (string, error)
	// Check asks the server whether access was granted: nil when it was;
	// an error made by NotYet or Retry keeps the wait going; any other
	// error ends it.
	Check func(ctx context.Context) error
	// NoReturn says the provider has no return address to give: approval
	// is noticed by polling and the user's check alone.
	NoReturn bool
	// ReturnPath is the loopback return address's path, for a provider
	// whose redirect URI is registered with a path; "" is the default.
	ReturnPath string
	// Arrived, if set, takes what the browser brought back (a code, for
	// OAuth providers) before Check runs; an error ends the wait.
	Arrived func(callback.Result) error
}

// NotYet marks a check that found access not granted yet (a 401 before
// approval): the wait goes on, and only the user can end it.
func NotYet(err error) error { return &waitError{err: err, notYet: true} }

// Retry marks a check that failed for a passing reason (a 5xx, a 429, the
// network): the wait goes on, the next check no sooner than after, and the
// error is the cause named if time runs out.
func Retry(err error, after time.Duration) error { return &waitError{err: err, after: after} }

type waitError struct {
	err    error
	notYet bool
	after  time.Duration
}

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// ErrTimeout is returned when a flow did not finish within its timeout: the
// user did not approve, or the server kept failing or did not answer.
var ErrTimeout error = msg.TimedOut.Err(nil)

// Await opens the approval page and waits until a.Check says access was
// granted. It checks when the browser returns, when the user says they
// approved (Connection.CheckNow), and on a timer that backs off from
// PollMin to PollMax, since some services never send the browser back.
// It returns how approval was noticed.
//
// When ctx's deadline passes it says why: no approval (the server kept
// answering "not yet"), or the last real failure.
func (rt *Runtime) Await(ctx context.Context, a Approval) (via msg.Kind, err error) {
	var receiver callback.Receiver
	if !a.NoReturn {
		receiver = rt.receive(a.ReturnPath)
	}
	ready := ApprovalURLReady{}
	if receiver != nil {
		defer func() {
			if receiver != nil {
				receiver.Close()
			}
		}()
		ready.ReturnURL = receiver.ReturnURL()
	}
	if ready.URL, err = a.URL(ready.ReturnURL); err != nil {
		return msg.Kind{}, err
	}
	// The page is announced once the opener says whether the browser
	// started, which can take seconds (an opener that stays in the
	// foreground, a failure it reports on exit): the browser coming back
	// meanwhile says it did, and is not kept waiting for the opener.
	var opening chan error // nil once the page is announced
	if rt.OpenBrowser != nil {
		verdict, url := make(chan error, 1), ready.URL
		go func() { verdict <- rt.OpenBrowser(url) }()
		opening = verdict
	} else {
		rt.Emit(ready)
	}
	announce := func(opened bool, err error) {
		ready.Opened, ready.OpenErr = opened, err
		rt.Emit(ready)
		opening = nil
	}

	var returns <-chan callback.Result
	if receiver != nil {
		returns = receiver.Results()
	}
	interval := rt.PollMin
	timer := time.NewTimer(interval)
	defer timer.Stop()
	var last error // what the last check failed with, for the timeout's message
	for {
		select {
		case err := <-opening:
			announce(err == nil, err)
			continue
		case <-ctx.Done():
			return msg.Kind{}, rt.gaveUp(ctx, last)
		case res := <-returns:
			returns = nil // one return per flow
			if opening != nil {
				announce(true, nil)
			}
			if err := res.Err(); err != nil {
				return msg.Kind{}, err
			}
			if a.Arrived != nil {
				if err := a.Arrived(res); err != nil {
					return msg.Kind{}, err
				}
			}
			via = msg.ViaReturn
		case <-rt.checkNow:
			via = msg.ViaCheck
		case <-timer.C:
			via = msg.ViaPolling
		}
		if opening != nil { // a check before the opener's word: the page is announced first
			select {
			case err := <-opening:
				announce(err == nil, err)
			case <-ctx.Done():
				return msg.Kind{}, rt.gaveUp(ctx, last)
			}
		}
		checked := time.Now()
		err := a.Check(ctx)
		if err == nil {
			if receiver != nil && via != msg.ViaReturn {
				// The answer is in, but the browser may still be on its
				// way back: it gets its page, and nothing more is taken.
				rt.finish(ctx, receiver)
				receiver = nil
			}
			rt.Emit(Approved{Via: via})
			return via, nil
		}
		if ctx.Err() != nil {
			// A check the deadline cut short is the cause when it was the
			// first or had hung for a while, not when it was one more quick
			// poll that happened to be under way.
			if last == nil || time.Since(checked) > time.Second {
				last = err
			}
			return msg.Kind{}, rt.gaveUp(ctx, last)
		}
		var wait *waitError
		if !errors.As(err, &wait) {
			return msg.Kind{}, err
		}
		last = err
		if via == msg.ViaPolling {
			interval = min(interval*2, rt.PollMax)
		}
		next := max(interval, wait.after) // the server may say when to ask again
		reason := msg.FromError(err)
		if wait.notYet && err.Error() == "" {
			reason = msg.NotApprovedYet.New(nil)
		}
		rt.Emit(Waiting{Reason: reason, Failed: !wait.notYet, Next: next})
		timer.Reset(next)
	}
}

// finish has r deliver nothing more but answer a browser still on its way
// back for ReturnGrace, within the flow's deadline and the engine's life.
func (rt *Runtime) finish(ctx context.Context, r callback.Receiver) {
	end := time.Now().Add(ReturnGrace)
	if dl, ok := ctx.Deadline(); ok && dl.Before(end) {
		end = dl
	}
	r.Finish()
	until, stop := context.WithDeadline(rt.life, end)
	rt.lingering.Add(1)
	context.AfterFunc(until, func() {
		stop()
		r.Close() // lets a page being written finish (bounded)
		rt.lingering.Done()
	})
}

// gaveUp is the error of a wait that ctx ended. When the deadline ended it,
// it blames the user only if the server kept saying "not yet"; any other
// last failure is the cause, and is named.
func (rt *Runtime) gaveUp(ctx context.Context, last error) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errCancelled
	}
	var wait *waitError
	if last == nil || errors.As(last, &wait) && wait.notYet {
		return msg.NoApproval.Err(msg.Args{"After": rt.Timeout}, ErrTimeout)
	}
	return msg.LastCheckAfter.Err(msg.Args{"After": rt.Timeout, "Err": last}, ErrTimeout, last)
}

// errCancelled ends a flow the user cancelled.
var errCancelled error = msg.Cancelled.Err(nil, context.Canceled)
