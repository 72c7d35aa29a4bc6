// Package quitguard makes sure the window app's process ends once the user
// has asked it to quit, even when Fyne's shutdown never finishes.
//
// In Fyne 2.7.1 the run loop's shutdown can lose a function that Fyne's
// lifecycle worker has just queued for the main thread: the loop drains
// its main queue only while the queue's output looks non-empty, so an item
// still on its way in is never run, and the worker waits for it forever.
// ShowAndRun then waits for the worker, forever (fyne-io/fyne#6021; see
// docs/fyne-workarounds.md). A Guard gives that shutdown a grace period
// from the first sign of quitting; past it, it runs the cleanup the run
// would have run after ShowAndRun and ends the process as the run would
// have.
package quitguard

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Grace is how long Fyne's shutdown may take once quitting has begun. A
// normal shutdown ends within tens of milliseconds (it terminates GLFW and
// saves Fyne's preferences); a lost function waits forever. Seconds, not
// milliseconds, so that a slow machine (a loaded CI runner, a swapping
// laptop) is not cut short, and the user who closed the window is not left
// with a process, now invisible, holding the app's single-instance socket
// and the sandbox's port for long.
const Grace = 3 * time.Second

// Guard ends the process if the run has not finished within its grace
// after quitting began. It also holds the run's cleanup, so that the cleanup
// runs exactly once, whether the run finishes or the guard ends it.
type Guard struct {
	grace     time.Duration
	stderr    io.Writer
	exit      func()
	afterFunc func(time.Duration, func()) (stop func() bool)

	cleanupMu sync.Mutex
	cleanups  []func()
	cleaned   bool

	mu       sync.Mutex
	stop     func() bool // the grace timer's, once quitting has begun
	finished atomic.Bool
}

// New returns a guard that, when it fires, writes one line to stderr, runs
// the cleanup and calls exit, which must end the process with the code the
// finished run would have had.
func New(grace time.Duration, stderr io.Writer, exit func()) *Guard {
	return &Guard{grace: grace, stderr: stderr, exit: exit, afterFunc: afterFunc}
}

func afterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Defer adds f to the cleanup; like deferred calls, the cleanup runs them
// last added first.
func (g *Guard) Defer(f func()) {
	g.cleanupMu.Lock()
	defer g.cleanupMu.Unlock()
	g.cleanups = append(g.cleanups, f)
}

// Cleanup runs the cleanup the first time it is called; a later call waits
// for that one to end and does nothing more.
func (g *Guard) Cleanup() {
	g.cleanupMu.Lock()
	defer g.cleanupMu.Unlock()
	if g.cleaned {
		return
	}
	g.cleaned = true
	for i := len(g.cleanups) - 1; i >= 0; i-- {
		g.cleanups[i]()
	}
}

// Quitting says the app has begun to quit (the window closed, Ctrl+C or
// SIGTERM): the grace starts at the first call. Safe from any goroutine,
// any number of times.
func (g *Guard) Quitting() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop == nil && !g.finished.Load() {
		g.stop = g.afterFunc(g.grace, g.expire)
	}
}

// Finished says the run has returned (ShowAndRun did): the guard never
// fires after that.
func (g *Guard) Finished() {
	g.finished.Store(true)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop != nil {
		g.stop()
	}
}

// expire ends the process unless the run has finished meanwhile.
func (g *Guard) expire() {
	if g.finished.Load() {
		return
	}
	fmt.Fprintf(g.stderr, "qex-companion: the window toolkit's shutdown did not finish within %v of quitting (a known Fyne 2.7.1 deadlock); exiting anyway.\n", g.grace)
	g.Cleanup()
	g.exit()
}
