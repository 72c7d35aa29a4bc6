package ui

import (
	"sync/atomic"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
)

// TestQuittingIsTold checks that both ways the window app begins to quit,
// the user closing the window and Quit (Ctrl+C, SIGTERM), tell
// Options.Quitting, which arms main's guard against a stalled shutdown.
func TestQuittingIsTold(t *testing.T) {
	for name, quit := range map[string]func(*MainWindow){
		"window closed": func(m *MainWindow) { m.Window().Close() },
		"Quit":          (*MainWindow).Quit,
	} {
		t.Run(name, func(t *testing.T) {
			var told atomic.Int32
			r := newRig(t, func(_ *flows.EngineConfig, o *Options) { o.Quitting = func() { told.Add(1) } })
			if told.Load() != 0 {
				t.Fatal("Quitting was told before anything quit")
			}
			quit(r.m)
			if told.Load() == 0 {
				t.Error("Quitting was not told")
			}
		})
	}
}
