// quithang replays, deterministically, the Fyne 2.7.1 deadlock behind the
// window app's rare hang at quit (used by quit_test.go).
//
// At shutdown Fyne's run loop drains its main queue (funcQueue) only while
// the queue's output channel is non-empty, then marks it drained and closes
// it; a function still inside the queue (in its input channel or its
// buffer) is never run. If it is one the lifecycle worker queued, and waits
// for, the worker waits forever, and so does ShowAndRun, which waits for
// the worker (fyne-io/fyne#6021). In the app the lost function is
// whichever lifecycle event the worker queues just as the drain ends, so
// it hangs a few times in a hundred quits. Here a backlog of fyne.Do work
// queued ahead of a lifecycle event makes the drain stop early, with that
// event still behind the backlog, every time.
//
// The argument: "guarded" wires internal/quitguard as the app does;
// "bare" has no guard and, instead of hanging, reports the deadlock once
// its goroutines show it.
package main

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/internal/quitguard"
)

// backlog is far more than the queue's 16-item output buffer refills while
// the drain empties it.
const backlog = 100000

func main() {
	guarded := os.Args[1] == "guarded"
	a := app.New()
	w := a.NewWindow("quithang")
	w.SetContent(widget.NewLabel("quithang"))
	guard := quitguard.New(quitguard.Grace, os.Stderr, func() { os.Exit(0) })
	defer guard.Cleanup()
	guard.Defer(func() { fmt.Println("cleaned up") })
	// Fyne queues its own lifecycle events (focus changes, the stop hook)
	// with this method of its internal Lifecycle.
	lifecycle := a.Lifecycle().(interface{ QueueEvent(func()) })
	a.Lifecycle().SetOnStarted(func() { // on the main thread, before the loop
		for range backlog {
			fyne.Do(func() {})
		}
		lifecycle.QueueEvent(func() {}) // the worker queues it behind the backlog, and waits
		if guarded {
			guard.Quitting()
		} else {
			go reportDeadlock()
		}
		a.Quit()
	})
	w.ShowAndRun()
	guard.Finished()
	fmt.Println("ShowAndRun returned")
}

// The deadlock, in a goroutine dump: ShowAndRun waiting for the lifecycle
// queue (so the run loop has ended and the main queue is drained: nothing
// will run queued work again), and the lifecycle worker blocked in
// runOnMainWithWait, waiting for its queued work to be run.
var (
	mainWaits   = regexp.MustCompile(`(?m)^goroutine 1 \[chan receive[^\]]*\]:\nfyne\.io/fyne/v2/internal/app\.\(\*Lifecycle\)\.WaitForEvents`)
	workerWaits = regexp.MustCompile(`(?m)^goroutine \d+ \[chan receive[^\]]*\]:\nfyne\.io/fyne/v2/internal/driver/glfw\.runOnMainWithWait(?:.+\n)*?fyne\.io/fyne/v2/internal/app\.\(\*Lifecycle\)\.RunEventQueue`)
)

// reportDeadlock waits until the goroutines show the deadlock, says so and
// exits 3. Had the run finished, "ShowAndRun returned" comes first.
func reportDeadlock() {
	buf := make([]byte, 1<<20)
	for range time.Tick(10 * time.Millisecond) {
		dump := buf[:runtime.Stack(buf, true)]
		if mainWaits.Match(dump) && workerWaits.Match(dump) {
			fmt.Println("deadlocked: ShowAndRun waits for Fyne's lifecycle worker, which waits for work the drained main queue will never run")
			os.Exit(3)
		}
	}
}
