package exchange

import (
	"net/http"

	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// ScenarioShape is how the scenarios see this emulator: the signed APIv2
// calls carry the access key; the refresh grant (which the broker sends)
// renews it.
func (s *Server) ScenarioShape() scenario.Shape {
	return scenario.Shape{
		Kind: func(r *http.Request) scenario.Kind {
			switch {
			case r.URL.Path == "/api/v2/members/me", r.URL.Path == "/api/v2/orders":
				return scenario.Limited | scenario.Access
			case r.URL.Path == "/oauth/token" && scenario.FormValue(r, "grant_type") == "refresh_token":
				return scenario.Renewal
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, _ *http.Request, f scenario.Fault) {
			switch f {
			case scenario.TooManyRequests:
				apiError(w, http.StatusTooManyRequests, 1429, "Too many requests; retry later.")
			case scenario.Unavailable:
				apiError(w, http.StatusServiceUnavailable, 1503, "The service is unavailable; retry later.")
			case scenario.Expired:
				apiError(w, http.StatusUnauthorized, 2010, "The access key has expired.")
			default:
				oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrant)
			}
		},
		Limits: scenarioLimits,
	}
}

// scenarioLimits say which scenarios cannot happen here: only the widget's.
var scenarioLimits = scenario.Limits{}

// ScenarioLimits implements the sandbox's scenario limits.
func (emulator) ScenarioLimits() scenario.Limits { return scenarioLimits }
