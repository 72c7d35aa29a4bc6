package headless

import (
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// A poll that asks every few seconds until approval prints its first
// answers and then one line counting the identical ones, not a line per
// poll; a different answer, or any other line, ends the count.
func TestPollingRepeatsAreCounted(t *testing.T) {
	var out strings.Builder
	p := &printer{w: &out}
	poll := func(status int, latency time.Duration) flows.HTTPExchange {
		return flows.HTTPExchange{Method: "GET", Path: "/api/v1/session/s/accounts", Status: status, Latency: latency}
	}
	waiting := flows.Waiting{Reason: msg.Foreign.New(msg.Args{"Text": "not approved yet"})}
	p.print(poll(401, 2*time.Millisecond))
	p.print(waiting)
	for i := range 6 {
		p.print(poll(401, time.Duration(i)*time.Millisecond))
		p.print(waiting)
	}
	p.print(poll(200, time.Millisecond))
	p.print(flows.Approved{Via: msg.ViaPolling})
	p.print(poll(401, 0))
	p.print(poll(401, 0))
	p.flush()
	want := "" +
		"• GET /api/v1/session/s/accounts → 401 in 2ms\n" +
		"  Waiting for approval (not approved yet)…\n" +
		"• GET /api/v1/session/s/accounts → 401 in <1ms\n" +
		"  (the same 5 more times)\n" +
		"• GET /api/v1/session/s/accounts → 200 in 1ms\n" +
		"• Approved (noticed via polling).\n" +
		"• GET /api/v1/session/s/accounts → 401 in <1ms\n" +
		"  (the same once more)\n"
	if got := out.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}
