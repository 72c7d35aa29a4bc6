package flows

import (
	"context"
	"errors"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
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
var ErrNoSavedSession error = msg.NoSavedSession.Err(nil)

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
var ErrCannotEnd error = msg.CannotEnd.Err(nil)

// Resumed: a saved session still works; no approval was needed.
type Resumed struct{ Created time.Time }

func (e Resumed) String() string { return e.Message().String() }

func (e Resumed) Message() msg.Message {
	return msg.EventResumed.New(msg.Args{"Created": e.Created.Local().Format("2 Jan 2006 15:04")})
}

// ResumeDeclined: a saved session no longer works (it expired or was
// ended) and was forgotten; a new approval is starting.
type ResumeDeclined struct{ Reason msg.Message }

func (e ResumeDeclined) String() string { return e.Message().String() }

func (e ResumeDeclined) Message() msg.Message {
	return msg.EventResumeDeclined.New(msg.Args{"Reason": e.Reason})
}

// AccessGone: the access just granted ended at once (the server no
// longer knows it, or refused to renew it); it was forgotten and a new
// approval is starting.
type AccessGone struct{ Reason msg.Message }

func (e AccessGone) String() string { return e.Message().String() }

func (e AccessGone) Message() msg.Message {
	return msg.EventAccessGone.New(msg.Args{"Reason": e.Reason})
}

// SessionSaved: the approved session was saved for the next launch (in
// Where), or (Err set) could not be, and lives only until the app quits.
type SessionSaved struct {
	Err   error
	Where msg.Message // the system keychain when zero
}

func (e SessionSaved) String() string { return e.Message().String() }

func (e SessionSaved) Message() msg.Message {
	if e.Err != nil {
		return msg.FromError(e.Err)
	}
	where := e.Where
	if where.IsZero() {
		where = msg.SystemKeychain.New(nil)
	}
	return msg.EventSessionSaved.New(msg.Args{"Where": where})
}

// SignedOut: the session was ended and forgotten. RemoteErr says why the
// server could not be told; the session may then live there until it
// expires.
type SignedOut struct {
	Key       SessionKey
	RemoteErr error
}

func (e SignedOut) String() string { return e.Message().String() }

func (e SignedOut) Message() msg.Message {
	switch {
	case errors.Is(e.RemoteErr, ErrCannotEnd):
		return msg.EventSignedOutNoEnd.New(msg.Args{"Err": ErrCannotEnd})
	case e.RemoteErr != nil:
		return msg.EventSignedOutLocal.New(msg.Args{"Err": e.RemoteErr})
	}
	return msg.EventSignedOut.New(nil)
}

// Forgotten: a saved session was deleted from this device (not ended on the
// server).
type Forgotten struct {
	Key SessionKey
	Err error
}

func (e Forgotten) String() string { return e.Message().String() }

func (e Forgotten) Message() msg.Message {
	if e.Err != nil {
		return msg.EventForgetFailed.New(msg.Args{"Err": e.Err})
	}
	return msg.EventForgot.New(msg.Args{"Provider": e.Key.Provider, "Env": e.Key.Env, "Account": e.Key.Account})
}

// saved reports a save: where the store keeps sessions, when it says.
func (e *Engine) saved(err error) SessionSaved {
	ev := SessionSaved{Err: err}
	if w, ok := e.cfg.Sessions.(interface{ Where() msg.Message }); ok {
		ev.Where = w.Where()
	}
	return ev
}

// save keeps sess for the next launch.
func (e *Engine) save(key SessionKey, sess Session) error {
	return e.saveInBackground(key, sess)()
}

// saveInBackground starts keeping sess for the next launch and returns
// what waits for the outcome. The blob is taken now, and a later save (a
// renewed token's) waits for this one, so the last state is what stays.
func (e *Engine) saveInBackground(key SessionKey, sess Session) (wait func() error) {
	blob, err := sess.Saved()
	if err != nil {
		return func() error { return err }
	}
	e.saving.Lock()
	done := make(chan error, 1)
	go func() {
		defer e.saving.Unlock()
		done <- e.cfg.Sessions.Save(key, blob, time.Now())
	}()
	return func() error { return <-done }
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
		emit(ResumeDeclined{Reason: msg.FromError(err)})
		return nil, nil
	case err != nil:
		return nil, err
	}
	e.cfg.Sessions.Touch(key)
	emit(Resumed{Created: created})
	return sess, nil
}
