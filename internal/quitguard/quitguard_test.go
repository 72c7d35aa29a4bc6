package quitguard

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTimer stands in for time.AfterFunc: the test fires it.
type fakeTimer struct {
	mu      sync.Mutex
	armed   []time.Duration
	fire    func()
	stopped bool
}

func (f *fakeTimer) afterFunc(d time.Duration, fire func()) func() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = append(f.armed, d)
	f.fire = fire
	return func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.stopped = true
		return true
	}
}

// expire is the grace running out, as time.AfterFunc would signal it
// (also after Stop lost the race with it).
func (f *fakeTimer) expire(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	fire := f.fire
	f.mu.Unlock()
	if fire == nil {
		t.Fatal("no grace timer was started")
	}
	fire()
}

type run struct {
	guard   *Guard
	timer   *fakeTimer
	stderr  bytes.Buffer
	exits   int
	cleaned []string
}

func newRun() *run {
	r := &run{timer: &fakeTimer{}}
	r.guard = New(Grace, &r.stderr, func() { r.exits++ })
	r.guard.afterFunc = r.timer.afterFunc
	r.guard.Defer(func() { r.cleaned = append(r.cleaned, "engine and sandbox") })
	r.guard.Defer(func() { r.cleaned = append(r.cleaned, "single-instance endpoint") })
	return r
}

func TestAStalledQuitEndsTheProcessAfterTheGrace(t *testing.T) {
	r := newRun()
	r.guard.Quitting()
	r.guard.Quitting() // the window closing and the signal: one grace
	if len(r.timer.armed) != 1 || r.timer.armed[0] != Grace {
		t.Fatalf("grace timers started: %v, want one of %v", r.timer.armed, Grace)
	}
	if r.exits != 0 || len(r.cleaned) != 0 {
		t.Fatal("the guard acted before its grace ran out")
	}
	r.timer.expire(t)
	if r.exits != 1 {
		t.Errorf("exits: %d, want 1", r.exits)
	}
	if want := []string{"single-instance endpoint", "engine and sandbox"}; strings.Join(r.cleaned, ",") != strings.Join(want, ",") {
		t.Errorf("cleanup: %q, want %q (last deferred first)", r.cleaned, want)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "shutdown did not finish") || !strings.Contains(lines[0], "exiting anyway") {
		t.Errorf("stderr: %q, want one line naming the stalled shutdown", r.stderr.String())
	}
	r.guard.Cleanup() // main's deferred cleanup, had the run come back after all
	if len(r.cleaned) != 2 {
		t.Errorf("cleanup ran again: %q", r.cleaned)
	}
}

func TestAFinishedRunIsLeftAlone(t *testing.T) {
	r := newRun()
	r.guard.Quitting()
	r.guard.Finished()
	if !r.timer.stopped {
		t.Error("the grace timer was not stopped when the run finished")
	}
	r.timer.expire(t) // the timer fired as it was being stopped
	r.guard.Cleanup()
	if r.exits != 0 || r.stderr.Len() != 0 {
		t.Errorf("the guard ended a finished run: exits %d, stderr %q", r.exits, r.stderr.String())
	}
	if len(r.cleaned) != 2 {
		t.Errorf("cleanup: %q, want both parts once", r.cleaned)
	}
}

func TestNoGraceBeforeQuitting(t *testing.T) {
	r := newRun()
	r.guard.Cleanup() // a run that ends without quitting (the terminal front end)
	if len(r.timer.armed) != 0 || r.exits != 0 {
		t.Errorf("the guard started a grace (%v) or exited (%d) though nothing quit", r.timer.armed, r.exits)
	}
	r.guard.Finished()
	r.guard.Quitting() // too late to matter: the run is over
	if len(r.timer.armed) != 0 {
		t.Error("a grace started after the run finished")
	}
}

// TestCleanupRunsOnceUnderRace has the guard and the run's own return reach
// the cleanup together.
func TestCleanupRunsOnceUnderRace(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	exited := make(chan struct{})
	g := New(time.Nanosecond, new(bytes.Buffer), func() { close(exited) })
	g.Defer(func() {
		mu.Lock()
		runs++
		mu.Unlock()
	})
	g.Quitting()
	g.Cleanup()
	<-exited
	mu.Lock()
	defer mu.Unlock()
	if runs != 1 {
		t.Errorf("cleanup ran %d times", runs)
	}
}
