package oauth2

import (
	"net/http"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// ScenarioShape is how the scenarios see this emulator: introspection and
// the API carry the access token; the refresh grant renews it.
func (s *Server) ScenarioShape() scenario.Shape {
	return scenario.Shape{
		Kind: func(r *http.Request) scenario.Kind {
			switch {
			case r.URL.Path == "/oauth/token/introspect", r.URL.Path == "/api/me", r.URL.Path == "/api/scopes":
				return scenario.Limited | scenario.Access
			case r.URL.Path == "/oauth/token" && scenario.FormValue(r, "grant_type") == "refresh_token":
				return scenario.Renewal
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, r *http.Request, f scenario.Fault) {
			switch f {
			case scenario.Unavailable: // RFC 6749's word for it
				oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the service is temporarily unavailable; retry later")
			case scenario.Expired:
				w.Header().Set("WWW-Authenticate", `Bearer realm="liquid-sandbox", error="invalid_token", error_description="the access token expired"`)
				writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": 0, "error": "invalid_token", "error_description": "the access token expired"})
			default:
				oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was revoked")
			}
		},
		Limits: scenarioLimits,
	}
}

// scenarioLimits say which scenarios cannot happen here, and why.
var scenarioLimits = scenario.Limits{Without: map[scenario.Name]msg.Kind{scenario.RateLimited: msg.ScenarioNoRateLimit}}

// ScenarioLimits implements the sandbox's scenario limits.
func (emulator) ScenarioLimits() scenario.Limits { return scenarioLimits }
