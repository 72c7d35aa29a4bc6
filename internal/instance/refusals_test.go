package instance

import (
	"reflect"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

func TestRefusalsAreReportedAtMostOncePerInterval(t *testing.T) {
	var notes []string
	var due []func() // timers, fired by hand instead of waiting
	r := newRefusals(func(m msg.Message) { notes = append(notes, m.String()) })
	r.afterFunc = func(d time.Duration, f func()) {
		if d != time.Second {
			t.Errorf("interval %s", d)
		}
		due = append(due, f)
	}
	fire := func() {
		f := due[0]
		due = due[1:]
		f()
	}
	for range 100 {
		r.add()
	}
	fire() // a second later
	fire() // another second: nothing new, so no note and no timer
	r.add()
	want := []string{
		"refused 1 single-instance connection: too many at once",
		"refused 99 single-instance connections: too many at once",
		"refused 1 single-instance connection: too many at once",
	}
	if !reflect.DeepEqual(notes, want) {
		t.Errorf("notes:\n%q\nwant\n%q", notes, want)
	}
	if len(due) != 1 {
		t.Errorf("%d timers pending, want 1 (after the last note)", len(due))
	}
}
