// Package nonce hands out the nonces (QEX, Liquid) and tonces (EXchange)
// that signed calls carry: epoch milliseconds that strictly increase per key
// — a session, a token, an access key — across the whole process.
package nonce

import (
	"sync"
	"time"
)

// Sequence remembers the last nonce handed out per key. Servers refuse a
// nonce that does not exceed the last one they saw for the key, whichever
// client sent it, so each signing scheme keeps one Sequence for the process
// rather than one per client: two calls in the same millisecond, a resume
// right after another client's call or a clock that steps back still get
// increasing nonces. The zero value is ready; it is safe for concurrent use.
//
// It keeps one entry per key signed with in the process's life (the
// sessions, tokens and keys the user connected): forgetting one would let a
// clock that stepped back repeat its nonces.
type Sequence struct {
	mu   sync.Mutex
	last map[string]int64
}

// Next returns key's next nonce at now: now in epoch milliseconds, or one
// more than key's last nonce when that is not below it.
func (s *Sequence) Next(key string, now time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]int64{}
	}
	n := now.UnixMilli()
	if last, ok := s.last[key]; ok && n <= last {
		n = last + 1
	}
	s.last[key] = n
	return n
}
