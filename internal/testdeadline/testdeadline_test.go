package testdeadline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/testdeadline"
)

// A context derived from the deadline ends, as a deadline does, the
// moment the test passes it, and not before; one made by Until also ends
// with its parent.
func TestDeadlinePassesWhenToldAndOnlyThen(t *testing.T) {
	d := testdeadline.New()
	derived, cancel := context.WithTimeout(d, time.Hour)
	defer cancel()
	type key struct{}
	parent, end := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	until, stop := d.Until(parent, time.Now())
	defer stop()
	if derived.Err() != nil || until.Err() != nil || until.Value(key{}) != "v" {
		t.Fatalf("before Pass: %v %v, value %v", derived.Err(), until.Err(), until.Value(key{}))
	}
	d.Pass()
	if !errors.Is(derived.Err(), context.DeadlineExceeded) || !errors.Is(until.Err(), context.DeadlineExceeded) {
		t.Errorf("after Pass: %v %v", derived.Err(), until.Err())
	}
	again, stop2 := testdeadline.New().Until(parent, time.Now())
	defer stop2()
	end()
	<-again.Done()
	if !errors.Is(again.Err(), context.Canceled) {
		t.Errorf("its parent ended: %v", again.Err())
	}
}
