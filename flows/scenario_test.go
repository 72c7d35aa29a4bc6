package flows_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// A request the console sends (--call) that the server rate limits is
// sent again after the wait it asked for, until it is answered.
func TestCallWaitsOutARateLimit(t *testing.T) {
	r := newResumeRig(t, true)
	r.run(t, sandboxTarget)
	r.sb.Scenarios().Set(scenario.RateLimited) // from now on: two 429s
	resp, err := r.engine.Call(context.Background(), "GET", "/api/v1/session/{session_id}/accounts", nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("status %v, err %v", resp, err)
	}
	r.sb.Scenarios().Set(scenario.ServerError) // an outage: sent once more
	if resp, err = r.engine.Call(context.Background(), "GET", "/api/v1/session/{session_id}/kyc_state", nil); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("status %v, err %v", resp, err)
	}
}
