package ui

import "time"

// secondTicker redraws a step's elapsed or remaining time once a second
// (the countdown, the connect and approve waits). The zero value is
// stopped; use it on the UI thread.
type secondTicker struct {
	stop  chan struct{}
	every time.Duration // a second when zero; tests tick faster
}

// start calls tick through do (on the UI thread) every second until Stop
// or the next start.
func (t *secondTicker) start(do func(func()), tick func()) {
	t.Stop()
	stop := make(chan struct{})
	t.stop = stop
	every := t.every
	if every == 0 {
		every = time.Second
	}
	go func() {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				do(func() {
					select {
					case <-stop: // stopped while this tick waited for the UI thread
					default:
						tick()
					}
				})
			}
		}
	}()
}

// Stop ends the ticks, dropping one that is waiting for the UI thread.
func (t *secondTicker) Stop() {
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
}
