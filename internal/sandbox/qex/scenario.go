package qex

import (
	"net/http"
	"regexp"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// signedCall is a signed session call that reads what the approved
// session grants.
var signedCall = regexp.MustCompile(`^/api/v1/session/[^/]+/(accounts|accounts/[^/]+|kyc_state)$`)

// scenarioShape is how the scenarios see the QEX partner API: the signed
// reads carry the approved session, which has no renewal.
func scenarioShape() scenario.Shape {
	return scenario.Shape{
		Kind: func(r *http.Request) scenario.Kind {
			if r.Method == http.MethodGet && signedCall.MatchString(r.URL.Path) {
				return scenario.Limited | scenario.Access
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, _ *http.Request, f scenario.Fault) {
			switch f {
			case scenario.TooManyRequests:
				fail(w, http.StatusTooManyRequests, "Too many requests: retry later.")
			case scenario.Unavailable:
				fail(w, http.StatusServiceUnavailable, "The service is unavailable: retry later.")
			default:
				fail(w, http.StatusNotFound, "Session not found: it expired.")
			}
		},
		Limits: scenarioLimits,
	}
}

// scenarioLimits: a session has nothing to renew; QEX has the widget.
var scenarioLimits = scenario.Limits{
	Without: map[scenario.Name]msg.Kind{scenario.RefreshRefused: msg.ScenarioQEXNoRenewal},
	Widget:  true,
}

// ScenarioLimits implements the sandbox's scenario limits.
func (emulator) ScenarioLimits() scenario.Limits { return scenarioLimits }

// withScenarios has the widget play the scenario sw holds.
func withScenarios(sw *scenario.Switch) Option { return func(s *Server) { s.scenarios = sw } }
