package qex

import (
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
)

// withState keeps sessions across restarts of an embedded sandbox, so a
// session saved by the app still works at the next launch, as it would on
// a real server. The file holds only what is not secret (ids, dates,
// approval, nonces); each session's secret is derived from its master key,
// which the sandbox keeps somewhere safe (the system keychain).
func withState(f statefile.File) Option {
	return func(s *Server) { s.state = f }
}

// persistedSession is a session as the state file holds it: no secret.
type persistedSession struct {
	ID           string    `json:"id"`
	PublicAPIKey string    `json:"public_api_key"`
	Created      time.Time `json:"created"`
	ConsentToken string    `json:"consent_token"`
	Approved     bool      `json:"approved,omitempty"`
	Denied       bool      `json:"denied,omitempty"`
	Terminated   bool      `json:"terminated,omitempty"`
	LastNonce    int64     `json:"last_nonce,omitempty"`
}

// sessionSecret derives a session's secret from the master key, shaped like
// the service's secrets.
func (s *Server) sessionSecret(id string) string {
	return s.state.Derive("qex sandbox session secret " + id)
}

func (s *Server) persistent() bool { return s.state.On() }

// loadState reads the state file; a missing or damaged one is an empty
// sandbox (it is only test data).
func (s *Server) loadState() {
	var saved []persistedSession
	if !s.state.Load(&saved) {
		return
	}
	for _, p := range saved {
		s.sessions[p.ID] = &session{
			id: p.ID, secret: s.sessionSecret(p.ID), publicAPIKey: p.PublicAPIKey, created: p.Created,
			consentToken: p.ConsentToken, approved: p.Approved, denied: p.Denied, terminated: p.Terminated, lastNonce: p.LastNonce,
		}
	}
}

// saveStateLocked writes the live sessions; the caller holds s.mu.
func (s *Server) saveStateLocked() {
	if !s.persistent() {
		return
	}
	saved := []persistedSession{}
	for _, sess := range s.sessions {
		if sess.terminated || s.now().After(sess.created.Add(s.ttl)) {
			continue // gone for good: no need to remember
		}
		saved = append(saved, persistedSession{
			ID: sess.id, PublicAPIKey: sess.publicAPIKey, Created: sess.created, ConsentToken: sess.consentToken,
			Approved: sess.approved, Denied: sess.denied, Terminated: sess.terminated, LastNonce: sess.lastNonce,
		})
	}
	s.state.Save(saved)
}
