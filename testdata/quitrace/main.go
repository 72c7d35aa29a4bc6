// quitrace replays, in order, the shutdown race behind the window's
// "The GLFW library is not initialized" panic on SIGTERM (used by
// quit_test.go). Fyne's own SIGINT/SIGTERM handler ends the run loop with
// fyne.Do(driver.Quit); the app's handler, woken by the same signal, asks to
// quit only after the loop has ended. The argument says how that late quit
// is asked for: "fyne.Do" (as the app once did) or "uiloop" (as it does
// now); "uiloop-running" asks with uiloop while the loop runs, which must
// quit the app.
package main

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/internal/uiloop"
)

func main() {
	a := app.New()
	w := a.NewWindow("quitrace")
	w.SetContent(widget.NewLabel("quitrace"))
	quitLate := map[string]func(){
		"fyne.Do": func() { fyne.Do(a.Quit) },
		"uiloop":  func() { uiloop.Next(a.Quit) },
	}[os.Args[1]]
	if os.Args[1] == "uiloop-running" {
		a.Lifecycle().SetOnStarted(func() { go uiloop.Next(a.Quit) })
	} else {
		// What Fyne's signal handler does: the driver quits, the window stays.
		a.Lifecycle().SetOnStarted(func() { fyne.Do(a.Driver().Quit) })
	}
	w.ShowAndRun()
	if quitLate != nil {
		done := make(chan struct{})
		go func() { // the app's signal goroutine
			defer close(done)
			quitLate()
		}()
		<-done
	}
	fmt.Println("exited cleanly")
}
