package ui

import (
	"slices"
	"testing"
	"time"
)

// The ticks reach the UI thread; one that was waiting for it when the
// ticker stopped or restarted is dropped, so a step that moved on is not
// redrawn with a stale time.
func TestSecondTickerDropsTicksAfterStop(t *testing.T) {
	queued := make(chan func(), 1000) // the UI thread's queue, run by the test
	do := func(f func()) { queued <- f }
	next := func() func() {
		t.Helper()
		select {
		case f := <-queued:
			return f
		case <-time.After(10 * time.Second):
			t.Fatal("no tick reached the UI thread")
			return nil
		}
	}
	var ticks []string
	tk := secondTicker{every: time.Millisecond}

	tk.start(do, func() { ticks = append(ticks, "first") })
	next()() // a tick runs
	waiting := next()
	tk.start(do, func() { ticks = append(ticks, "second") }) // restarted
	waiting()                                                // the first's tick, late: dropped
	for !slices.Contains(ticks, "second") {
		next()() // any more of the first's are dropped too
	}
	waiting = next()
	tk.Stop()
	waiting() // stopped while waiting: dropped
	tk.Stop() // stopping twice is fine
	for len(queued) > 0 {
		(<-queued)()
	}

	if !slices.Equal(ticks, []string{"first", "second"}) {
		t.Errorf("ticks ran: %q, want [first second]", ticks)
	}
}
