package exchange

import (
	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// WithPersistence keeps codes, refresh tokens and access keys across
// restarts of an embedded sandbox, so a user token the app saved (and the
// broker's refresh token) still work at the next launch, as on the real
// exchange. stateFile holds no secret: every code, token and access key is
// stored under its SHA-256, and the client secret and the secret keys are
// derived from masterKey, which the caller keeps somewhere safe (the
// system keychain). Tonces are not kept: they are epoch milliseconds,
// later after a restart. Pending consent pages are not (a restart asks
// again).
func WithPersistence(stateFile string, masterKey []byte) Option {
	return func(s *Server) { s.state = statefile.File{Path: stateFile, Key: masterKey} }
}

// persistedState is the whole state file. A used code or rotated refresh
// token is not in it, so it stays refused.
type persistedState struct {
	Codes   map[string]*grant     `json:"codes"`
	Refresh map[string]*grant     `json:"refresh_tokens"`
	Keys    map[string]*accessKey `json:"access_keys"`
}

// loadState reads the state file; a missing or damaged one is an empty
// sandbox (it is only test data).
func (s *Server) loadState() {
	var saved persistedState
	if !s.state.Load(&saved) {
		return
	}
	for k, g := range saved.Codes {
		if g != nil {
			s.codes[k] = g
		}
	}
	for k, g := range saved.Refresh {
		if g != nil {
			s.refresh[k] = g
		}
	}
	for k, a := range saved.Keys {
		if a != nil {
			s.keys[k] = a
		}
	}
}

// saveStateLocked writes what is still worth keeping; the caller holds
// s.mu, so saves land in the order of the changes.
func (s *Server) saveStateLocked() {
	if !s.state.On() {
		return
	}
	s.dropExpiredLocked()
	s.state.Save(persistedState{Codes: s.codes, Refresh: s.refresh, Keys: s.keys})
}
