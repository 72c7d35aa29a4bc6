package flows

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// Transient is implemented by a provider's errors from answers that ask
// the app to try again later: a 429, or a 502, 503 or 504.
type Transient interface {
	// TryAgain gives the answer's status and the wait it asked for
	// (Retry-After, capped; 0 when unsaid); status 0: not transient.
	TryAgain() (status int, after time.Duration)
}

// TransientStatus tells whether an answer's status asks to try again:
// the status back for 429, 502, 503 and 504, 0 for any other.
func TransientStatus(status int) int {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return status
	}
	return 0
}

// retries is how often a call is sent again after a transient answer:
// rate limits come in runs, so a 429 a few times; an outage once, after
// which the failure is named.
func retries(status int) int {
	if status == http.StatusTooManyRequests {
		return 3
	}
	return 1
}

// minRetryWait is the wait before sending again when the server asked for
// none.
const minRetryWait = time.Second

// Retrying: the server answered that it cannot serve the call now (a
// 429, a 503); the app waits as asked and sends it again.
type Retrying struct {
	Reason msg.Message // what the server answered
	Next   time.Duration
}

func (e Retrying) String() string { return e.Message().String() }

func (e Retrying) Message() msg.Message {
	return msg.EventRetrying.New(msg.Args{"Reason": e.Reason, "Next": e.Next.Round(100 * time.Millisecond)})
}

// retrying runs call until it succeeds, fails for good, or has been sent
// again as often as its transient failures allow, waiting as the server
// asked in between. A wait that would outlast ctx is not begun: the
// failure is the answer.
func retrying[T any](ctx context.Context, emit func(Event), call func() (T, error)) (T, error) {
	for tries := 0; ; tries++ {
		v, err := call()
		var t Transient
		if err == nil || !errors.As(err, &t) {
			return v, err
		}
		status, after := t.TryAgain()
		if status == 0 || tries >= retries(status) {
			return v, err
		}
		wait := max(after, minRetryWait)
		if !fits(ctx, wait) {
			return v, err
		}
		emit(Retrying{Reason: msg.FromError(err), Next: wait})
		if !sleep(ctx, wait) {
			return v, err
		}
	}
}

// fits tells whether a wait of d ends before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// sleep waits d, or says false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
