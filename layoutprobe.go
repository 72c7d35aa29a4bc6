//go:build layoutprobe && linux

// A test-only hook, compiled in only with -tags layoutprobe (the product
// binary has none of it): when $QEX_LAYOUT_PROBE names a directory, the
// N-th SIGUSR1 writes probe-N.json there, the live widget tree of every
// window as it is drawn. layout_window_test.go reads it. (Its import of
// fyne/v2/test installs a test app at init; app.NewWithID in runApp
// replaces it before any window is built.)
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"

	"github.com/qexcompanion/qex-companion/internal/layoutprobe"
)

func init() {
	dir := os.Getenv("QEX_LAYOUT_PROBE")
	if dir == "" {
		return
	}
	requests := make(chan os.Signal, 1)
	signal.Notify(requests, syscall.SIGUSR1)
	go func() {
		for n := 1; ; n++ {
			<-requests
			var dump layoutprobe.Dump
			fyne.DoAndWait(func() { dump = layoutprobe.Take() })
			if err := layoutprobe.Write(filepath.Join(dir, fmt.Sprintf("probe-%d.json", n)), dump); err != nil {
				fmt.Fprintf(os.Stderr, "layout probe: %v\n", err)
			}
		}
	}()
}
