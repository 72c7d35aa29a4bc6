package oauth2

import (
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// WithPersistence keeps codes and tokens across restarts of an embedded
// sandbox, so a token the app saved in the keychain still works (and
// refreshes) at the next launch, as on the real service. stateFile holds
// no secret: each code and token is stored under its SHA-256, with what
// it grants. The built-in client's secret is derived from masterKey,
// which the caller keeps somewhere safe (the system keychain). Codes are
// kept too: it costs nothing, and an approval made just before a restart
// can still be exchanged. Pending consent pages are not (a restart asks
// again).
func WithPersistence(stateFile string, masterKey []byte) Option {
	return func(s *Server) { s.state = statefile.File{Path: stateFile, Key: masterKey} }
}

// persistedGrant is an issued code or token as the state file holds it.
type persistedGrant struct {
	ClientID    string    `json:"client_id"`
	Scope       string    `json:"scope"`
	ForUser     bool      `json:"for_user"` // false for a client-credentials token
	RedirectURI string    `json:"redirect_uri,omitempty"`
	Challenge   string    `json:"code_challenge,omitempty"` // public: the verifier's SHA-256
	Expires     time.Time `json:"expires"`
}

// persistedState is the whole state file: grants by tokenKey. A used code
// or rotated refresh token is not in it, so it stays refused.
type persistedState struct {
	Codes   map[string]persistedGrant `json:"codes"`
	Access  map[string]persistedGrant `json:"access_tokens"`
	Refresh map[string]persistedGrant `json:"refresh_tokens"`
}

// loadState reads the state file; a missing or damaged one is an empty
// sandbox (it is only test data). Grants for a client this server does
// not know are dropped.
func (s *Server) loadState() {
	var saved persistedState
	if !s.state.Load(&saved) {
		return
	}
	for _, m := range []struct {
		from map[string]persistedGrant
		to   map[string]*issued
	}{{saved.Codes, s.codes}, {saved.Access, s.access}, {saved.Refresh, s.refresh}} {
		for key, g := range m.from {
			if _, known := s.apps[g.ClientID]; known {
				m.to[key] = &issued{clientID: g.ClientID, scope: g.Scope, user: g.ForUser, redirectURI: g.RedirectURI, challenge: g.Challenge, expires: g.Expires}
			}
		}
	}
}

// saveStateLocked writes the codes and tokens still worth keeping; the
// caller holds s.mu, so saves land in the order of the changes.
func (s *Server) saveStateLocked() {
	if !s.state.On() {
		return
	}
	s.dropExpiredLocked()
	export := func(m map[string]*issued) map[string]persistedGrant {
		out := make(map[string]persistedGrant, len(m))
		for key, v := range m {
			out[key] = persistedGrant{ClientID: v.clientID, Scope: v.scope, ForUser: v.user, RedirectURI: v.redirectURI, Challenge: v.challenge, Expires: v.expires}
		}
		return out
	}
	s.state.Save(persistedState{Codes: export(s.codes), Access: export(s.access), Refresh: export(s.refresh)})
}
