// Package sessions remembers approved sessions of every provider between
// launches: the provider's opaque blob (its secrets) in the system keychain,
// the rest (provider, environment, account, dates) in the settings file.
// Without a keychain it keeps sessions in memory only, says so, and never
// writes a secret anywhere else.
package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/settings"
)

// Store implements flows.SessionStore.
type Store struct {
	kc       *keychain.Keychain
	settings *settings.File
	now      func() time.Time

	mu     sync.Mutex
	memory map[flows.SessionKey]entry // sessions the keychain could not take
}

// entry is what the keychain holds for one session (format 2). Format 1,
// saved before there were providers, was a QEX session's
// {"session_id", "session_secret", "created"}: it is read as that
// provider's blob, which has the same fields.
type entry struct {
	V       int             `json:"v"`
	Created int64           `json:"created"`
	Blob    json.RawMessage `json:"blob"` // the provider's JSON
}

// New returns a store over a keychain and a settings file.
func New(kc *keychain.Keychain, s *settings.File) *Store {
	return &Store{kc: kc, settings: s, now: time.Now, memory: map[flows.SessionKey]entry{}}
}

// EntryName is the keychain entry name of a session key. QEX sessions keep
// the name they had before there were providers, so they still resume.
func EntryName(k flows.SessionKey) string {
	if k.Provider == "qex" {
		return "session " + k.Env + " " + k.APIBase + " " + k.Account
	}
	return "session " + k.Provider + " " + k.Env + " " + k.APIBase + " " + k.Account
}

// ErrMemoryOnly explains a session kept only until the app quits.
type ErrMemoryOnly struct{ Cause error }

func (e *ErrMemoryOnly) Error() string { return e.Msg().String() }

func (e *ErrMemoryOnly) Msg() msg.Message {
	return msg.SessionMemoryOnly.New(msg.Args{"Err": e.Cause})
}

func (e *ErrMemoryOnly) Unwrap() error { return e.Cause }

// Brief is the error in one short sentence, for a window's banner; Error
// has the cause and the terminal's remedy.
func (e *ErrMemoryOnly) Brief() string {
	return "No system keychain: this session will be forgotten when you quit."
}

// Save implements flows.SessionStore.
func (s *Store) Save(k flows.SessionKey, blob []byte, created time.Time) error {
	e := entry{V: 2, Created: created.Unix(), Blob: json.RawMessage(blob)}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := s.setParts(EntryName(k), string(data)); err != nil {
		s.mu.Lock()
		s.memory[k] = e
		s.mu.Unlock()
		if keychain.IsUnavailable(err) {
			return &ErrMemoryOnly{Cause: err}
		}
		return msg.SessionNotSaved.Err(msg.Args{"Err": err}, err)
	}
	return s.index(k, func(saved *settings.SavedSession) {
		saved.Created = created
		saved.LastUsed = s.now()
	})
}

// Load implements flows.SessionStore.
func (s *Store) Load(k flows.SessionKey) ([]byte, time.Time, error) {
	s.mu.Lock()
	e, inMemory := s.memory[k]
	s.mu.Unlock()
	if !inMemory {
		data, err := s.getParts(EntryName(k))
		switch {
		case errors.Is(err, keychain.ErrNotFound):
			return nil, time.Time{}, flows.ErrNoSavedSession
		case keychain.IsUnavailable(err):
			return nil, time.Time{}, &ErrMemoryOnly{Cause: err}
		case err != nil:
			return nil, time.Time{}, err
		}
		if e, err = decodeEntry(k, data); err != nil {
			s.deleteParts(EntryName(k)) //nolint:errcheck // a damaged entry is useless either way
			return nil, time.Time{}, flows.ErrNoSavedSession
		}
	}
	return e.Blob, time.Unix(e.Created, 0), nil
}

// decodeEntry reads format 2, or a QEX session in format 1.
func decodeEntry(k flows.SessionKey, data string) (entry, error) {
	var e entry
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		return e, err
	}
	switch {
	case e.V == 2 && len(e.Blob) > 0:
		return e, nil
	case e.V == 0 && k.Provider == "qex":
		return entry{V: 2, Created: e.Created, Blob: []byte(data)}, nil
	}
	return e, msg.SessionUnknownForm.Err(nil)
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
	err := s.deleteParts(EntryName(k))
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
	for k, e := range s.memory {
		if !seen[k] {
			list = append(list, flows.SavedSession{SessionKey: k, Created: time.Unix(e.Created, 0), LastUsed: time.Unix(e.Created, 0)})
		}
	}
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].LastUsed.After(list[j].LastUsed) })
	return list
}

// keyOf is the key a settings description names; one saved before there
// were providers is a QEX session whose account is its public key.
func keyOf(saved settings.SavedSession) flows.SessionKey {
	k := flows.SessionKey{Provider: saved.Provider, Env: saved.Env, APIBase: saved.APIBase, Account: saved.Account}
	if k.Provider == "" {
		k.Provider, k.Account = "qex", saved.PublicAPIKey
	}
	return k
}

// index updates (or adds) the settings' description of k.
func (s *Store) index(k flows.SessionKey, change func(*settings.SavedSession)) error {
	return s.settings.Update(func(st *settings.Settings) {
		for i := range st.Sessions {
			if keyOf(st.Sessions[i]) == k {
				st.Sessions[i] = settings.SavedSession{Provider: k.Provider, Env: k.Env, APIBase: k.APIBase, Account: k.Account,
					Created: st.Sessions[i].Created, LastUsed: st.Sessions[i].LastUsed}
				change(&st.Sessions[i])
				return
			}
		}
		saved := settings.SavedSession{Provider: k.Provider, Env: k.Env, APIBase: k.APIBase, Account: k.Account}
		change(&saved)
		st.Sessions = append(st.Sessions, saved)
	})
}

// Values longer than one keychain entry takes are split: the first entry
// starts with partsPrefix and the count, the others are "NAME (part N)".
const (
	partsPrefix = "parts:"
	maxParts    = 8
)

func partName(name string, n int) string { return fmt.Sprintf("%s (part %d)", name, n) }

func (s *Store) setParts(name, value string) error {
	if len(value) <= keychain.MaxSecretBytes {
		return s.kc.Set(name, value)
	}
	size, total := keychain.MaxSecretBytes-len(partsPrefix)-3, len(value)
	var chunks []string
	for len(value) > 0 {
		n := min(size, len(value))
		chunks = append(chunks, value[:n])
		value = value[n:]
	}
	if len(chunks) > maxParts {
		return msg.SessionTooLarge.Err(msg.Args{"Size": total})
	}
	for i := len(chunks) - 1; i >= 1; i-- { // the first entry last: it makes the rest count
		if err := s.kc.Set(partName(name, i+1), chunks[i]); err != nil {
			return err
		}
	}
	return s.kc.Set(name, partsPrefix+strconv.Itoa(len(chunks))+":"+chunks[0])
}

func (s *Store) getParts(name string) (string, error) {
	first, err := s.kc.Get(name)
	if err != nil || !strings.HasPrefix(first, partsPrefix) {
		return first, err
	}
	count, rest, _ := strings.Cut(strings.TrimPrefix(first, partsPrefix), ":")
	n, err := strconv.Atoi(count)
	if err != nil || n < 2 || n > maxParts {
		return "", msg.SessionDamagedSplit.Err(nil)
	}
	value := rest
	for i := 2; i <= n; i++ {
		part, err := s.kc.Get(partName(name, i))
		if err != nil {
			return "", err
		}
		value += part
	}
	return value, nil
}

func (s *Store) deleteParts(name string) error {
	first, _ := s.kc.Get(name)
	if strings.HasPrefix(first, partsPrefix) {
		count, _, _ := strings.Cut(strings.TrimPrefix(first, partsPrefix), ":")
		if n, err := strconv.Atoi(count); err == nil {
			for i := 2; i <= min(n, maxParts); i++ {
				s.kc.Delete(partName(name, i)) //nolint:errcheck // the first entry's deletion reports
			}
		}
	}
	return s.kc.Delete(name)
}

// Where names where saved sessions' secrets are kept.
func (s *Store) Where() msg.Message { return s.kc.Where() }
