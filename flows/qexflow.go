package flows

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Defaults for QEXConfig's zero values.
const (
	DefaultTimeout  = 10 * time.Minute
	DefaultPollMin  = time.Second
	DefaultPollMax  = 5 * time.Second
	pollGrowthRatio = 2
)

// ReceiverFactory starts a receiver for the browser's return, carrying state.
// rejected hears of every ignored arrival.
type ReceiverFactory func(state callback.State, rejected callback.Rejected) (callback.Receiver, error)

// Loopback receives the browser's return on a loopback HTTP port.
func Loopback(state callback.State, rejected callback.Rejected) (callback.Receiver, error) {
	return callback.ListenLoopback(state, rejected)
}

// QEXConfig describes one QEX partner flow.
type QEXConfig struct {
	Client       *qex.Client
	PublicAPIKey string
	// Receiver makes the return address put in the approval URL; nil means
	// no return address: approval is noticed by polling alone.
	Receiver ReceiverFactory
	// OpenBrowser opens the approval URL; nil means only report it.
	OpenBrowser func(url string) error
	// Timeout bounds the whole flow (DefaultTimeout when zero).
	Timeout time.Duration
	// PollMin and PollMax bound the interval between approval checks, which
	// doubles after each check that finds the session not yet approved.
	PollMin, PollMax time.Duration
}

// QEXResult is what a successful flow produced.
type QEXResult struct {
	Session      *qex.Session
	Accounts     *qex.Accounts
	WidgetConfig widgetcfg.Config
}

// QEXFlow creates a QEX session, has the user approve it in a browser, and
// fetches their balances. Create it with NewQEXFlow; Run it once.
type QEXFlow struct {
	cfg      QEXConfig
	checkNow chan struct{}
}

// NewQEXFlow returns a flow ready to Run.
func NewQEXFlow(cfg QEXConfig) *QEXFlow {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = DefaultPollMin
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = max(DefaultPollMax, cfg.PollMin)
	}
	return &QEXFlow{cfg: cfg, checkNow: make(chan struct{}, 1)}
}

// CheckNow asks a waiting flow to check the session at once (the user says
// they have approved). It never blocks.
func (f *QEXFlow) CheckNow() {
	select {
	case f.checkNow <- struct{}{}:
	default:
	}
}

// ErrTimeout is returned when the flow did not finish within the timeout:
// the user did not approve, or the server kept failing or did not answer.
var ErrTimeout = errors.New("timed out")

// Run executes the flow, reporting each step to emit (called from Run's
// goroutine), and ends with a Failed event when it does not succeed.
func (f *QEXFlow) Run(ctx context.Context, emit func(Event)) (*QEXResult, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	res, err := f.run(ctx, emit)
	if err != nil {
		switch {
		case errors.Is(err, ErrTimeout):
			// awaitApproval said what the time went on.
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			// A call the deadline cut short: its error says which.
			err = fmt.Errorf("%w after %s: %w", ErrTimeout, f.cfg.Timeout, err)
		case ctx.Err() != nil:
			err = fmt.Errorf("cancelled: %w", context.Canceled)
		}
		emit(Failed{Err: err})
		return nil, err
	}
	return res, nil
}

func (f *QEXFlow) run(ctx context.Context, emit func(Event)) (*QEXResult, error) {
	client := f.cfg.Client
	sess, err := client.CreateSession(ctx, f.cfg.PublicAPIKey)
	if err != nil {
		return nil, explainCreateError(err, client.BaseURL())
	}
	emit(SessionCreated{SessionID: oneline.Clean(sess.SessionID, 80), Environment: oneline.Clean(sess.Environment, 20)})

	var receiver callback.Receiver
	if f.cfg.Receiver != nil {
		r, err := f.cfg.Receiver(callback.NewState(), func(reason string) { emit(CallbackIgnored{Reason: reason}) })
		if err != nil {
			emit(CallbackUnavailable{Err: err})
		} else {
			receiver = r
			defer receiver.Close()
		}
	}
	ready := ApprovalURLReady{}
	if receiver != nil {
		ready.ReturnURL = receiver.ReturnURL()
	}
	ready.URL = client.ApprovalURL(sess.SessionID, ready.ReturnURL)
	if f.cfg.OpenBrowser != nil {
		ready.OpenErr = f.cfg.OpenBrowser(ready.URL)
		ready.Opened = ready.OpenErr == nil
	}
	emit(ready)

	accounts, via, err := f.awaitApproval(ctx, sess.Credentials(), receiver, emit)
	if err != nil {
		return nil, err
	}
	if receiver != nil {
		receiver.Close() // the answer is in: stop listening now, not at return
	}
	emit(Approved{Via: via})
	emit(BalancesFetched{Accounts: accounts, At: time.Now()})
	config := widgetcfg.ForSession(f.cfg.PublicAPIKey, sess.SessionID, sess.SessionSecret)
	emit(WidgetConfigReady{Config: config})
	return &QEXResult{Session: sess, Accounts: accounts, WidgetConfig: config}, nil
}

// awaitApproval waits until the session can fetch accounts: it checks when
// the browser returns, when the user asks, and on a backing-off timer, since
// the service may never redirect back.
func (f *QEXFlow) awaitApproval(ctx context.Context, cred qex.Credentials, receiver callback.Receiver, emit func(Event)) (*qex.Accounts, string, error) {
	var returns <-chan callback.Result
	if receiver != nil {
		returns = receiver.Results()
	}
	interval := f.cfg.PollMin
	timer := time.NewTimer(interval)
	defer timer.Stop()
	var lastErr error // what the last check failed with, for the timeout's message
	for {
		var via string
		select {
		case <-ctx.Done():
			return nil, "", f.gaveUp(ctx, lastErr)
		case res := <-returns:
			returns = nil // one return per flow
			if err := res.Err(); err != nil {
				return nil, "", err
			}
			via = "the browser's return"
		case <-f.checkNow:
			via = "your check"
		case <-timer.C:
			via = "polling"
		}
		checked := time.Now()
		accounts, err := f.cfg.Client.Accounts(ctx, cred)
		if err == nil {
			return accounts, via, nil
		}
		if ctx.Err() != nil {
			// A check the deadline cut short is the cause when it was the
			// first or had hung for a while, not when it was one more quick
			// poll that happened to be under way.
			if lastErr == nil || time.Since(checked) > time.Second {
				lastErr = err
			}
			return nil, "", f.gaveUp(ctx, lastErr)
		}
		if !worthWaiting(err) {
			if qex.IsNotFound(err) {
				return nil, "", fmt.Errorf("the session is gone (%w); start again", err)
			}
			return nil, "", err
		}
		lastErr = err
		if via == "polling" {
			interval = min(interval*pollGrowthRatio, f.cfg.PollMax)
		}
		next := interval
		var apiErr *qex.APIError
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			// The server said when to ask again; the deadline still ends
			// the wait.
			next = apiErr.RetryAfter
		}
		emit(Waiting{Reason: waitingReason(err), Next: next})
		timer.Reset(next)
	}
}

// gaveUp is the error of a wait that ctx ended. When the deadline ended it,
// it blames the user only if the server kept saying "not approved"; any
// other last failure is the cause, and is named.
func (f *QEXFlow) gaveUp(ctx context.Context, lastErr error) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	if lastErr == nil || qex.IsUnauthorized(lastErr) {
		return fmt.Errorf("%w: no approval within %s; start again and approve in the browser", ErrTimeout, f.cfg.Timeout)
	}
	return fmt.Errorf("%w after %s: the last check failed: %w", ErrTimeout, f.cfg.Timeout, lastErr)
}

// explainedError says what to do about an error, keeping it for errors.Is
// and errors.As.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

// explainCreateError says what to do when the server refuses to create a
// session.
func explainCreateError(err error, base string) error {
	var apiErr *qex.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	said := fmt.Sprintf("HTTP %d", apiErr.Status)
	if apiErr.Message != "" {
		said += fmt.Sprintf(": %q", apiErr.Message)
	}
	var msg string
	switch status := apiErr.Status; {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		msg = "the server refused the public API key (" + said + "); check --public-api-key or the key field"
	case status == http.StatusNotFound:
		msg = "no QEX API at " + base + " (" + said + "); check the API base URL"
	case status == http.StatusTooManyRequests:
		msg = "the server is busy (" + said + "); try again in a minute"
	case status >= 500:
		msg = "the QEX server failed (" + said + "); try again later"
	default:
		return err
	}
	return &explainedError{msg: apiErr.Call + " failed: " + msg, err: err}
}

// worthWaiting tells whether a failed check may succeed later: not approved
// yet (401), or a passing server or network fault.
func worthWaiting(err error) bool {
	var apiErr *qex.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusUnauthorized ||
			apiErr.Status == http.StatusTooManyRequests ||
			apiErr.Status >= 500
	}
	var malformed *qex.MalformedResponseError
	return !errors.As(err, &malformed) // a transport error: try again
}

func waitingReason(err error) string {
	var apiErr *qex.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		if apiErr.Message != "" {
			return "server: " + apiErr.Message
		}
		return "not approved yet"
	}
	return err.Error()
}
