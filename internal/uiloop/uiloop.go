// Package uiloop runs work on Fyne's UI thread only while its run loop is
// running, for callers that may race the app's shutdown.
//
// fyne.Do is not enough for that in Fyne 2.7.1: once the run loop has
// ended (a window closed, or Fyne's own SIGINT/SIGTERM handler quit the
// driver), GLFW is terminated and fyne.Do runs its work at once, on the
// caller's goroutine, where anything that touches a window panics with
// "The GLFW library is not initialized". The run loop ticks animations on
// the UI thread before each frame and never again after it ends, so an
// animation is a way to reach the UI thread that cannot outlive the loop.
//
// The animation itself is started through fyne.Do: Fyne's animation
// runner reads its state unlocked on the UI thread each frame, so starting
// one from another goroutine while the loop runs is a data race. Once the
// loop has ended, fyne.Do starts it at once where nothing ticks it any more.
package uiloop

import (
	"sync"

	"fyne.io/fyne/v2"
)

// Next runs f once on the UI thread at the run loop's next frame, from any
// goroutine, also before the loop has started. If the loop ends first, f
// never runs.
func Next(f func()) {
	var once sync.Once
	// A zero-length animation normally ticks once; once guards a second
	// tick when the clock has not moved past its start.
	a := fyne.NewAnimation(0, func(float32) { once.Do(f) })
	fyne.Do(a.Start)
}
