// Package flowtest records the events of flows run in tests of the flows
// packages, so each provider's tests read them the same way.
package flowtest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// StartSandbox starts the sandbox of every provider on a loopback port
// until the test ends, with each of emulators in place of the one of the
// same provider.
func StartSandbox(t testing.TB, emulators ...sandbox.Emulator) *sandbox.Server {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", providers.Replace(providers.All, emulators...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// Recorder collects a flow's events; safe for use from the flow's goroutine.
type Recorder struct {
	mu     sync.Mutex
	events []flows.Event
	// Ready receives each ApprovalURLReady as it is emitted.
	Ready chan flows.ApprovalURLReady
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{Ready: make(chan flows.ApprovalURLReady, 4)} }

// Emit records e; pass it as a flow's emit function.
func (r *Recorder) Emit(e flows.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if ready, ok := e.(flows.ApprovalURLReady); ok {
		r.Ready <- ready
	}
}

// Events returns what was recorded so far.
func (r *Recorder) Events() []flows.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]flows.Event(nil), r.events...)
}

// Kinds returns the events' types in order, a repeat (Waiting while
// polling) once, leaving out the inspector's HTTP exchanges, which
// interleave with the steps.
func (r *Recorder) Kinds() []string {
	var kinds []string
	for _, e := range r.Events() {
		if _, ok := e.(flows.HTTPExchange); ok {
			continue
		}
		kind := fmt.Sprintf("%T", e)
		if len(kinds) > 0 && kinds[len(kinds)-1] == kind {
			continue
		}
		kinds = append(kinds, kind)
	}
	return kinds
}

// Find returns the recorded events of type T, in order.
func Find[T flows.Event](r *Recorder) []T {
	var found []T
	for _, e := range r.Events() {
		if got, ok := e.(T); ok {
			found = append(found, got)
		}
	}
	return found
}

// Collect gathers events on a channel, for engine calls that report in the
// background.
func Collect() (func(flows.Event), <-chan flows.Event) {
	ch := make(chan flows.Event, 1024)
	return func(e flows.Event) { ch <- e }, ch
}

// Until reads events until one of type T arrives; a Failed on the way ends
// the test unless T is Failed.
func Until[T flows.Event](t testing.TB, ch <-chan flows.Event) T {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-ch:
			if got, ok := e.(T); ok {
				return got
			}
			if f, ok := e.(flows.Failed); ok {
				t.Fatalf("flow failed: %v", f.Err)
			}
		case <-timeout:
			var zero T
			t.Fatalf("no %T event", zero)
		}
	}
}

// MemoryStore is a flows.SessionStore in memory; SaveErr makes Save report
// that the session could not be kept.
type MemoryStore struct {
	mu      sync.Mutex
	m       map[flows.SessionKey][]byte
	SaveErr error
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[flows.SessionKey][]byte{}} }

// Load implements flows.SessionStore; every session was created at the
// same moment.
func (s *MemoryStore) Load(k flows.SessionKey) ([]byte, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	blob, ok := s.m[k]
	if !ok {
		return nil, time.Time{}, flows.ErrNoSavedSession
	}
	return blob, time.Unix(1700000000, 0), nil
}

// Save implements flows.SessionStore.
func (s *MemoryStore) Save(k flows.SessionKey, blob []byte, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = blob
	return s.SaveErr
}

// Touch implements flows.SessionStore.
func (s *MemoryStore) Touch(flows.SessionKey) {}

// Forget implements flows.SessionStore.
func (s *MemoryStore) Forget(k flows.SessionKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

// List implements flows.SessionStore.
func (s *MemoryStore) List() []flows.SavedSession { return nil }

// Saved returns the blob saved under k.
func (s *MemoryStore) Saved(k flows.SessionKey) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	blob, ok := s.m[k]
	return blob, ok
}
