package liquid

import (
	"net/http"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// ScenarioShape is how the scenarios see this emulator: the signed user
// calls carry the approved request; an OAuth request has no renewal.
func (s *Server) ScenarioShape() scenario.Shape {
	return scenario.Shape{
		Kind: func(r *http.Request) scenario.Kind {
			if r.Method == http.MethodGet && (r.URL.Path == "/user/context" || r.URL.Path == "/accounts") {
				return scenario.Limited | scenario.Access
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, _ *http.Request, f scenario.Fault) {
			switch f {
			case scenario.TooManyRequests:
				writeMessage(w, http.StatusTooManyRequests, "rate limit exceeded; retry later")
			case scenario.Unavailable:
				writeMessage(w, http.StatusServiceUnavailable, "Liquid is under maintenance; retry later")
			default:
				writeMessage(w, http.StatusUnauthorized, ErrExpired.Error())
			}
		},
		Limits: scenarioLimits,
	}
}

// scenarioLimits say which scenarios cannot happen here, and why.
var scenarioLimits = scenario.Limits{Without: map[scenario.Name]msg.Kind{scenario.RefreshRefused: msg.ScenarioOAuthNoRenewal}}

// ScenarioLimits implements the sandbox's scenario limits.
func (emulator) ScenarioLimits() scenario.Limits { return scenarioLimits }
