// Package fynelog keeps one known false alarm of Fyne 2.7.1 off the user's
// terminal, and passes everything else Fyne logs through untouched.
//
// At quit Fyne re-creates its preferences.json (os.Create empties it, then
// it is written). Its file watcher sees that and, once the main queue is
// drained for shutdown, reloads the file on the watcher's own goroutine, at
// the same time, so it can decode an empty file and log
// "Preferences load error: EOF" (fyne-io/fyne#2936). Nothing is lost: the
// file is written whole right after. The report is dropped only once the
// app has begun stopping, so the same error at start-up still shows.
package fynelog

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

// QuitFilter is a log output that drops Fyne's preferences-reload report
// after Stopping.
type QuitFilter struct {
	out      io.Writer
	stopping atomic.Bool

	mu   sync.Mutex
	skip int // lines of a dropped report still to come
}

// NewQuitFilter writes to out.
func NewQuitFilter(out io.Writer) *QuitFilter { return &QuitFilter{out: out} }

// Stopping is called when the app begins to quit.
func (f *QuitFilter) Stopping() { f.stopping.Store(true) }

// Fyne's fyne.LogError writes a report as three log lines.
var (
	report = []byte("Fyne error:  Preferences load error:")
	cause  = []byte("  Cause: ")
	at     = []byte("  At: ")
)

// Write takes one log line, as the standard logger writes them.
func (f *QuitFilter) Write(line []byte) (int, error) {
	if f.stopping.Load() {
		f.mu.Lock()
		drop := false
		switch {
		case bytes.Contains(line, report):
			f.skip, drop = 2, true
		case f.skip > 0 && (bytes.Contains(line, cause) || bytes.Contains(line, at)):
			f.skip--
			drop = true
		default:
			f.skip = 0
		}
		f.mu.Unlock()
		if drop {
			return len(line), nil
		}
	}
	return f.out.Write(line)
}
