package nonce_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/internal/nonce"
)

func TestNextIsTheClockUnlessThatWouldNotIncrease(t *testing.T) {
	var s nonce.Sequence
	start := time.UnixMilli(1731590739955)
	ms := start.UnixMilli()
	steps := []struct {
		key  string
		now  time.Time
		want int64
	}{
		{"a", start, ms},                           // first: the clock
		{"a", start, ms + 1},                       // same millisecond
		{"a", start.Add(time.Microsecond), ms + 2}, // still the same millisecond
		{"b", start, ms},                           // another key starts from the clock
		{"a", start.Add(-time.Minute), ms + 3},     // the clock steps back
		{"a", start.Add(time.Second), ms + 1000},   // the clock overtakes: the clock again
		{"b", start.Add(time.Second), ms + 1000},   // b is not held back by a
		{"b", start.Add(time.Second - time.Millisecond), ms + 1001},
	}
	for i, st := range steps {
		if got := s.Next(st.key, st.now); got != st.want {
			t.Errorf("step %d: Next(%q) = %d, want %d", i, st.key, got, st.want)
		}
	}
	// A fresh sequence knows nothing of this one's keys.
	var other nonce.Sequence
	if got := other.Next("a", start); got != ms {
		t.Errorf("a fresh sequence's first nonce = %d, want %d", got, ms)
	}
}

func TestNextStrictlyIncreasesUnderConcurrentUse(t *testing.T) {
	var s nonce.Sequence
	frozen := time.UnixMilli(1_700_000_000_000) // every call in one millisecond
	const goroutines, calls = 8, 200
	got := make([][]int64, goroutines)
	other := make([]int64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				got[g] = append(got[g], s.Next("shared", frozen))
			}
			other[g] = s.Next("own-"+string(rune('a'+g)), frozen)
		}()
	}
	wg.Wait()
	var all []int64
	for g, ns := range got {
		if !slices.IsSorted(ns) || len(slices.Compact(slices.Clone(ns))) != len(ns) {
			t.Errorf("goroutine %d saw nonces that do not strictly increase: %v", g, ns)
		}
		all = append(all, ns...)
		if other[g] != frozen.UnixMilli() {
			t.Errorf("goroutine %d's own key started at %d, want %d", g, other[g], frozen.UnixMilli())
		}
	}
	slices.Sort(all)
	// Every nonce handed out once, none skipped: frozen, frozen+1, ….
	for i, n := range all {
		if want := frozen.UnixMilli() + int64(i); n != want {
			t.Fatalf("the %d-th smallest nonce is %d, want %d: repeated or skipped", i, n, want)
		}
	}
}
