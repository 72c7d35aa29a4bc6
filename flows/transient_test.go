package flows

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

type statusError int

func (e statusError) Error() string                  { return http.StatusText(int(e)) }
func (e statusError) TryAgain() (int, time.Duration) { return TransientStatus(int(e)), 0 }

// Sends again what the server asked to be sent later, as often as the
// status allows, saying so each time; never past the deadline.
func TestRetrying(t *testing.T) {
	run := func(ctx context.Context, failures ...error) (tries int, retried []Retrying, err error) {
		_, err = retrying(ctx, func(e Event) { retried = append(retried, e.(Retrying)) }, func() (int, error) {
			tries++
			if tries <= len(failures) {
				return 0, failures[tries-1]
			}
			return 1, nil
		})
		return tries, retried, err
	}
	t.Run("an outage, once", func(t *testing.T) {
		tries, retried, err := run(context.Background(), statusError(503), statusError(503))
		if tries != 2 || len(retried) != 1 || retried[0].Next != minRetryWait || !errors.Is(err, statusError(503)) {
			t.Errorf("tries %d, retried %v, err %v", tries, retried, err)
		}
	})
	t.Run("then it works", func(t *testing.T) {
		if tries, _, err := run(context.Background(), statusError(503)); tries != 2 || err != nil {
			t.Errorf("tries %d, err %v", tries, err)
		}
	})
	t.Run("a failure for good is not sent again", func(t *testing.T) {
		if tries, retried, err := run(context.Background(), statusError(500)); tries != 1 || len(retried) != 0 || err == nil {
			t.Errorf("tries %d, retried %v, err %v", tries, retried, err)
		}
	})
	t.Run("no wait past the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), minRetryWait/2)
		defer cancel()
		if tries, retried, err := run(ctx, statusError(429)); tries != 1 || len(retried) != 0 || !errors.Is(err, statusError(429)) {
			t.Errorf("tries %d, retried %v, err %v", tries, retried, err)
		}
	})
}
