package liquidcommerce

import (
	"net/http"

	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// ScenarioShape is how the scenarios see this emulator: buying a token is
// rate limited (seed 003 says so) and renews the access; the business
// calls carry it.
func (s *Server) ScenarioShape() scenario.Shape {
	return scenario.Shape{
		Kind: func(r *http.Request) scenario.Kind {
			switch {
			case r.URL.Path == "/authentication":
				return scenario.Limited | scenario.Renewal
			case r.Header.Get("Authorization") != "":
				return scenario.Limited | scenario.Access
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, r *http.Request, f scenario.Fault) {
			switch f {
			case scenario.TooManyRequests:
				s.fail(w, r, http.StatusTooManyRequests, http.StatusTooManyRequests, "Too Many Requests", nil)
			case scenario.Unavailable:
				s.fail(w, r, http.StatusServiceUnavailable, http.StatusServiceUnavailable, "Service Unavailable", nil)
			case scenario.Expired:
				s.fail(w, r, http.StatusUnauthorized, codeTokenExpired, "Access token expired", nil)
			default:
				s.fail(w, r, http.StatusUnauthorized, codeRenewalRefused, "Token renewal refused", nil)
			}
		},
		Limits: scenarioLimits,
	}
}

// codeRenewalRefused is the statusCode of a refused renewal (our choice:
// the seed names only 5000).
const codeRenewalRefused = 5004

// scenarioLimits say which scenarios cannot happen here: only the widget's.
var scenarioLimits = scenario.Limits{}

// ScenarioLimits implements the sandbox's scenario limits.
func (emulator) ScenarioLimits() scenario.Limits { return scenarioLimits }
