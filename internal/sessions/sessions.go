// Package sessions remembers approved QEX sessions between launches: the
// secret half in the system keychain, the rest (environment, partner key,
// dates) in the settings file. Without a keychain it keeps sessions in
// memory only, says so, and never writes a secret anywhere else.
package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/settings"
)

// Store implements flows.SessionStore.
type Store struct {
	kc       *keychain.Keychain
	settings *settings.File
	now      func() time.Time

	mu     sync.Mutex
	memory map[flows.SessionKey]secret // sessions the keychain could not take
}

// secret is what the keychain holds for one session: small, well under the
// 2560 bytes Windows allows.
type secret struct {
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
	Created       int64  `json:"created"`
}

// New returns a store over a keychain and a settings file.
func New(kc *keychain.Keychain, s *settings.File) *Store {
	return &Store{kc: kc, settings: s, now: time.Now, memory: map[flows.SessionKey]secret{}}
}

// EntryName is the keychain entry name of a session key.
func EntryName(k flows.SessionKey) string {
	return "session " + k.Env + " " + k.APIBase + " " + k.PublicAPIKey
}

// ErrMemoryOnly explains a session kept only until the app quits.
type ErrMemoryOnly struct{ Cause error }

func (e *ErrMemoryOnly) Error() string {
	return "No system keychain: this session will be forgotten when you quit (" + e.Cause.Error() + "). Run with --insecure-storage to keep it in a private file instead."
}

func (e *ErrMemoryOnly) Unwrap() error { return e.Cause }

// Save implements flows.SessionStore.
func (s *Store) Save(k flows.SessionKey, cred qex.Credentials, created time.Time) error {
	entry := secret{SessionID: cred.SessionID, SessionSecret: cred.SessionSecret, Created: created.Unix()}
	data, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	if err := s.kc.Set(EntryName(k), string(data)); err != nil {
		s.mu.Lock()
		s.memory[k] = entry
		s.mu.Unlock()
		if keychain.IsUnavailable(err) {
			return &ErrMemoryOnly{Cause: err}
		}
		return fmt.Errorf("the session could not be saved (%w); it will be forgotten when you quit", err)
	}
	return s.index(k, func(saved *settings.SavedSession) {
		saved.Created = created
		saved.LastUsed = s.now()
	})
}

// Load implements flows.SessionStore.
func (s *Store) Load(k flows.SessionKey) (qex.Credentials, time.Time, error) {
	s.mu.Lock()
	entry, inMemory := s.memory[k]
	s.mu.Unlock()
	if !inMemory {
		data, err := s.kc.Get(EntryName(k))
		switch {
		case errors.Is(err, keychain.ErrNotFound):
			return qex.Credentials{}, time.Time{}, flows.ErrNoSavedSession
		case keychain.IsUnavailable(err):
			return qex.Credentials{}, time.Time{}, &ErrMemoryOnly{Cause: err}
		case err != nil:
			return qex.Credentials{}, time.Time{}, err
		}
		if json.Unmarshal([]byte(data), &entry) != nil || entry.SessionID == "" || entry.SessionSecret == "" {
			s.kc.Delete(EntryName(k)) //nolint:errcheck // a damaged entry is useless either way
			return qex.Credentials{}, time.Time{}, flows.ErrNoSavedSession
		}
	}
	return qex.Credentials{SessionID: entry.SessionID, SessionSecret: entry.SessionSecret}, time.Unix(entry.Created, 0), nil
}

// Touch implements flows.SessionStore.
func (s *Store) Touch(k flows.SessionKey) {
	s.index(k, func(saved *settings.SavedSession) { saved.LastUsed = s.now() }) //nolint:errcheck // only a date
}

// Forget implements flows.SessionStore.
func (s *Store) Forget(k flows.SessionKey) error {
	s.mu.Lock()
	delete(s.memory, k)
	s.mu.Unlock()
	err := s.kc.Delete(EntryName(k))
	if ierr := s.settings.Update(func(st *settings.Settings) {
		kept := st.Sessions[:0]
		for _, saved := range st.Sessions {
			if keyOf(saved) != k {
				kept = append(kept, saved)
			}
		}
		st.Sessions = kept
	}); err == nil {
		err = ierr
	}
	return err
}

// List implements flows.SessionStore: saved sessions first by last use,
// including those kept in memory only.
func (s *Store) List() []flows.SavedSession {
	var list []flows.SavedSession
	seen := map[flows.SessionKey]bool{}
	if st, err := s.settings.Load(); err == nil {
		for _, saved := range st.Sessions {
			list = append(list, flows.SavedSession{SessionKey: keyOf(saved), Created: saved.Created, LastUsed: saved.LastUsed})
			seen[keyOf(saved)] = true
		}
	}
	s.mu.Lock()
	for k, entry := range s.memory {
		if !seen[k] {
			list = append(list, flows.SavedSession{SessionKey: k, Created: time.Unix(entry.Created, 0), LastUsed: time.Unix(entry.Created, 0)})
		}
	}
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].LastUsed.After(list[j].LastUsed) })
	return list
}

func keyOf(saved settings.SavedSession) flows.SessionKey {
	return flows.SessionKey{Env: saved.Env, APIBase: saved.APIBase, PublicAPIKey: saved.PublicAPIKey}
}

// index updates (or adds) the settings' description of k.
func (s *Store) index(k flows.SessionKey, change func(*settings.SavedSession)) error {
	return s.settings.Update(func(st *settings.Settings) {
		for i := range st.Sessions {
			if keyOf(st.Sessions[i]) == k {
				change(&st.Sessions[i])
				return
			}
		}
		saved := settings.SavedSession{Env: k.Env, APIBase: k.APIBase, PublicAPIKey: k.PublicAPIKey}
		change(&saved)
		st.Sessions = append(st.Sessions, saved)
	})
}
