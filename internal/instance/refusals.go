package instance

import (
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// refusalNoteInterval is the least time between two notes about refused
// connections: a flood of connections yields a note a second, not one each.
const refusalNoteInterval = time.Second

// refusals counts connections refused as too many at once and reports them
// in few notes: the first at once, then at most one per interval with how
// many were refused since the last note.
type refusals struct {
	interval time.Duration
	report   func(note msg.Message)
	// afterFunc runs f once d has passed (time.AfterFunc; tests drive it).
	afterFunc func(d time.Duration, f func())

	mu      sync.Mutex
	pending int  // refused since the last note
	quiet   bool // a note was given less than an interval ago
}

func newRefusals(report func(msg.Message)) *refusals {
	return &refusals{
		interval:  refusalNoteInterval,
		report:    report,
		afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) },
	}
}

// add counts one refused connection.
func (r *refusals) add() {
	r.mu.Lock()
	r.pending++
	if r.quiet {
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.flush()
}

// flush gives the note for what is pending, if anything, and keeps quiet
// for an interval; with nothing pending the quiet ends.
func (r *refusals) flush() {
	r.mu.Lock()
	n := r.pending
	r.pending = 0
	r.quiet = n > 0
	r.mu.Unlock()
	if n == 0 {
		return
	}
	if n == 1 {
		r.report(msg.InstanceRefusedOne.New(nil))
	} else {
		r.report(msg.InstanceRefusedMany.New(msg.Args{"Count": n}))
	}
	r.afterFunc(r.interval, r.flush)
}
