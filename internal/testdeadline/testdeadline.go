// Package testdeadline is a deadline that passes when a test says so: a
// flow that waits something out until its deadline is tested by events,
// never by waiting for the clock.
package testdeadline

import (
	"context"
	"sync"
	"time"
)

// Deadline is a context whose deadline passes when Pass is called, and
// never otherwise. It runs what contexts derived from it register
// (AfterFunc) at once when it passes, so a flow between two checks sees
// it before it could start another.
type Deadline struct {
	context.Context
	mu     sync.Mutex
	done   chan struct{}
	passed bool
	funcs  map[*func()]bool
}

// New returns a deadline that has not passed.
func New() *Deadline {
	return &Deadline{Context: context.Background(), done: make(chan struct{}), funcs: map[*func()]bool{}}
}

func (d *Deadline) Done() <-chan struct{} { return d.done }

func (d *Deadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// Pass makes the deadline pass; again, it does nothing.
func (d *Deadline) Pass() {
	d.mu.Lock()
	if d.passed {
		d.mu.Unlock()
		return
	}
	d.passed = true
	close(d.done)
	funcs := d.funcs
	d.funcs = nil
	d.mu.Unlock()
	for f := range funcs {
		(*f)()
	}
}

// AfterFunc is how the context package learns of the deadline at once,
// rather than from a goroutine watching Done.
func (d *Deadline) AfterFunc(f func()) (stop func() bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.passed {
		go f()
		return func() bool { return false }
	}
	key := &f
	d.funcs[key] = true
	return func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		registered := d.funcs[key]
		delete(d.funcs, key)
		return registered
	}
}

// Until is ctx ending also when d passes, whatever at says: an
// EngineConfig.Until whose deadline is the test's to pass. It carries
// ctx's values.
func (d *Deadline) Until(ctx context.Context, _ time.Time) (context.Context, context.CancelFunc) {
	wait, cancel := context.WithCancel(d)
	stop := context.AfterFunc(ctx, cancel)
	return withValues{wait, ctx}, func() { stop(); cancel() }
}

// withValues is a context ending as its Context does, with the values of
// another.
type withValues struct {
	context.Context
	values context.Context
}

func (w withValues) Value(key any) any { return w.values.Value(key) }
