package flows

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// EmbeddedAPIBase names the in-process sandbox in saved-session keys: its
// port changes every launch, its sessions do not.
const EmbeddedAPIBase = "embedded"

// SessionKey names a saved session: one per provider, environment, API base
// and account (the partner key, the token id).
type SessionKey struct {
	Provider string
	Env      string
	APIBase  string
	Account  string
}

// Target is the target a saved session was made for: the inverse of
// Engine.SessionKey, given the provider's description.
func (k SessionKey) Target(info ProviderInfo) Target {
	t := Target{Provider: k.Provider, Env: k.Env, APIBase: k.APIBase, Inputs: Inputs{}}
	for _, f := range info.Fields {
		if f.Account {
			t.Inputs[f.Name] = k.Account
		}
	}
	if k.APIBase == EmbeddedAPIBase || k.Env == EnvProduction && k.APIBase == info.ProductionBase {
		t.APIBase = ""
	}
	return t
}

// SavedSession is what is known of a saved session without its secret.
type SavedSession struct {
	SessionKey
	Created  time.Time
	LastUsed time.Time
}

// ErrNoSavedSession: nothing is saved under that key.
var ErrNoSavedSession = errors.New("no saved session")

// SessionStore remembers approved sessions between launches, each as the
// opaque blob its provider's Session.Saved returned.
type SessionStore interface {
	// Load returns the saved blob and when the session was created, or
	// ErrNoSavedSession.
	Load(k SessionKey) ([]byte, time.Time, error)
	// Save remembers a session. An error means it could not be kept beyond
	// this run; its text says so for the user.
	Save(k SessionKey, blob []byte, created time.Time) error
	// Touch records that the session was just used.
	Touch(k SessionKey)
	// Forget deletes the session.
	Forget(k SessionKey) error
	// List returns the saved sessions, most recently used first.
	List() []SavedSession
}

// Gone marks a provider's error as the server no longer knowing a session
// (it expired, was ended or revoked): a saved one is forgotten.
func Gone(err error) error { return &goneError{err} }

// IsGone reports whether err was marked by Gone.
func IsGone(err error) bool {
	var g *goneError
	return errors.As(err, &g)
}

type goneError struct{ err error }

func (e *goneError) Error() string { return e.err.Error() }
func (e *goneError) Unwrap() error { return e.err }

// ErrCannotEnd is what Session.End returns for a provider that has no call
// to end a session: it is forgotten here and lives there until it expires.
var ErrCannotEnd = errors.New("this provider has no way to end a session from the app: it stays valid on the server until it expires")

// Resumed: a saved session still works; no approval was needed.
type Resumed struct{ Created time.Time }

func (e Resumed) String() string {
	return "resumed the saved session from " + e.Created.Local().Format("2 Jan 2006 15:04")
}

// ResumeDeclined: a saved session no longer works (it expired or was
// ended) and was forgotten; a new approval is starting.
type ResumeDeclined struct{ Reason string }

func (e ResumeDeclined) String() string {
	return "the saved session cannot be used any more (" + e.Reason + "); it was forgotten and a new one is starting"
}

// AccessGone: the access just granted ended at once (the server no
// longer knows it, or refused to renew it); it was forgotten and a new
// approval is starting.
type AccessGone struct{ Reason string }

func (e AccessGone) String() string {
	return "the access is gone (" + e.Reason + "): it must be approved again, and a new approval is starting"
}

// SessionSaved: the approved session was saved for the next launch (in
// Where), or (Err set) could not be, and lives only until the app quits.
type SessionSaved struct {
	Err   error
	Where string // "the system keychain" when empty
}

func (e SessionSaved) String() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	where := e.Where
	if where == "" {
		where = "the system keychain"
	}
	return "session saved in " + where + " for the next launch"
}

// SignedOut: the session was ended and forgotten. RemoteErr says why the
// server could not be told; the session may then live there until it
// expires.
type SignedOut struct {
	Key       SessionKey
	RemoteErr error
}

func (e SignedOut) String() string {
	switch {
	case errors.Is(e.RemoteErr, ErrCannotEnd):
		return "signed out here; " + ErrCannotEnd.Error()
	case e.RemoteErr != nil:
		return fmt.Sprintf("signed out here, but the server could not be told (%v): the session may stay valid there until it expires", e.RemoteErr)
	}
	return "signed out: the session was ended on the server and forgotten here"
}

// Forgotten: a saved session was deleted from this device (not ended on the
// server).
type Forgotten struct {
	Key SessionKey
	Err error
}

func (e Forgotten) String() string {
	if e.Err != nil {
		return "could not forget the saved session: " + e.Err.Error()
	}
	return "forgot the saved " + e.Key.Provider + " session for " + e.Key.Env + " " + e.Key.Account
}

// saved reports a save: where the store keeps sessions, when it says.
func (e *Engine) saved(err error) SessionSaved {
	ev := SessionSaved{Err: err}
	if w, ok := e.cfg.Sessions.(interface{ Where() string }); ok {
		ev.Where = w.Where()
	}
	return ev
}

// save keeps sess for the next launch.
func (e *Engine) save(key SessionKey, sess Session) error {
	blob, err := sess.Saved()
	if err != nil {
		return err
	}
	return e.cfg.Sessions.Save(key, blob, time.Now())
}

// resume tries the session saved under key: the session when it still
// works; nil (nothing saved, or it is gone and was forgotten) when a new
// approval must start; an error when the check failed for another reason.
func (e *Engine) resume(ctx context.Context, p Provider, rt *Runtime, in Inputs, key SessionKey, emit func(Event)) (Session, error) {
	blob, created, err := e.cfg.Sessions.Load(key)
	if err != nil {
		// Nothing saved, or the keychain did not answer: a new session it
		// is. Saving it will say what is wrong with the keychain, once.
		return nil, nil
	}
	sess, err := p.Restore(ctx, rt, in, blob)
	switch {
	case IsGone(err):
		e.cfg.Sessions.Forget(key) //nolint:errcheck // reported by the store's next use
		emit(ResumeDeclined{Reason: err.Error()})
		return nil, nil
	case err != nil:
		return nil, err
	}
	e.cfg.Sessions.Touch(key)
	emit(Resumed{Created: created})
	return sess, nil
}
