package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// What a server created but named no ID for (a null requestId, a
// control-only one cleaned away) reads as its kind alone: no gap where
// the ID would be, whatever else the line says.
func TestStartedWithoutAnIDLeavesNoGap(t *testing.T) {
	expires := time.Now().Add(time.Hour)
	for _, e := range []flows.Started{
		{What: msg.ThingAccessToken},
		{What: msg.ThingAccessToken, ID: ""},
		{What: msg.ThingAccessToken, Expires: expires},
		{What: msg.ThingSession, Environment: "SANDBOX"},
		{What: msg.ThingSession, Environment: "SANDBOX", Expires: expires},
	} {
		if got := e.String(); strings.Contains(got, "  ") || !strings.HasPrefix(got, e.What.English()+" created") {
			t.Errorf("%+v reads %q", e, got)
		}
	}
	named := flows.Started{What: msg.ThingAccessToken, ID: msg.CommerceRequest.New(msg.Args{"ID": "reqid_1"})}
	if got := named.String(); got != "access token (request reqid_1) created" {
		t.Errorf("with a request id: %q", got)
	}
}
