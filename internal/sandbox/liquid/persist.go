package liquid

import (
	"crypto/rand"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// WithPersistence keeps OAuth requests across restarts of an embedded
// sandbox, so a request the app saved still works at the next launch, as
// on the real service. stateFile holds only what is not secret (ids,
// expiry, decisions); the default token's secret and every request's
// private id are derived from masterKey, which the caller keeps somewhere
// safe (the system keychain). Nonces are not kept: they are epoch
// milliseconds, later after a restart.
func WithPersistence(stateFile string, masterKey []byte) Option {
	return func(s *Server) { s.state = statefile.File{Path: stateFile, Key: masterKey} }
}

// persistedRequest is a request as the state file holds it: no secret.
type persistedRequest struct {
	PublicID string    `json:"public_id"`
	TokenID  string    `json:"token_id"`
	Expires  time.Time `json:"expires"`
	State    string    `json:"state"`
}

func (s *Server) persistent() bool { return s.state.On() }

// derive returns a secret for purpose, the same at every launch.
func (s *Server) derive(purpose string) string { return s.state.Derive("liquid sandbox " + purpose) }

// loadState reads the state file; a missing or damaged one is an empty
// sandbox (it is only test data).
func (s *Server) loadState() {
	var saved []persistedRequest
	if !s.state.Load(&saved) {
		return
	}
	states := map[string]requestState{"pending": pending, "approved": approved, "denied": denied}
	for _, p := range saved {
		state, ok := states[p.State]
		if !ok || s.tokens[p.TokenID] == nil {
			continue
		}
		s.requests[p.PublicID] = &oauthRequest{
			publicID: p.PublicID, privateID: s.derive("private id " + p.PublicID), tokenID: p.TokenID,
			expires: p.Expires, csrf: rand.Text(), state: state,
		}
	}
}

// saveStateLocked writes the requests that still matter; the caller holds
// s.mu.
func (s *Server) saveStateLocked() {
	if !s.persistent() {
		return
	}
	saved := []persistedRequest{}
	for _, req := range s.requests {
		if s.now().Sub(req.expires) > keepExpired {
			continue
		}
		saved = append(saved, persistedRequest{PublicID: req.publicID, TokenID: req.tokenID, Expires: req.expires, State: req.state.String()})
	}
	s.state.Save(saved)
}
