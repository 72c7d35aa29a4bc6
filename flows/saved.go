package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// EmbeddedAPIBase names the in-process sandbox in saved-session keys: its
// port changes every launch, its sessions do not.
const EmbeddedAPIBase = "embedded"

// SessionKey names a saved session: one per environment, API base and
// partner key.
type SessionKey struct {
	Env          string
	APIBase      string
	PublicAPIKey string
}

// Target is the target a saved session was made for: the inverse of
// Engine.SessionKey.
func (k SessionKey) Target() Target {
	t := Target{Env: k.Env, APIBase: k.APIBase, PublicAPIKey: k.PublicAPIKey}
	if k.APIBase == EmbeddedAPIBase || k.Env == EnvProduction && k.APIBase == qex.ProductionBaseURL {
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

// SessionStore remembers approved sessions between launches.
type SessionStore interface {
	// Load returns the saved credentials and when the session was created,
	// or ErrNoSavedSession.
	Load(k SessionKey) (qex.Credentials, time.Time, error)
	// Save remembers a session. An error means it could not be kept beyond
	// this run; its text says so for the user.
	Save(k SessionKey, cred qex.Credentials, created time.Time) error
	// Touch records that the session was just used.
	Touch(k SessionKey)
	// Forget deletes the session.
	Forget(k SessionKey) error
	// List returns the saved sessions, most recently used first.
	List() []SavedSession
}

// Resumed: a saved session still works; no approval was needed.
type Resumed struct{ Created time.Time }

func (e Resumed) String() string {
	return "resumed the saved session from " + e.Created.Local().Format("2 Jan 2006 15:04")
}

// ResumeDeclined: a saved session no longer works (it expired or was
// terminated) and was forgotten; a new one is being created.
type ResumeDeclined struct{ Reason string }

func (e ResumeDeclined) String() string {
	return "the saved session cannot be used any more (" + e.Reason + "); it was forgotten and a new one is starting"
}

// SessionSaved: the approved session was saved for the next launch, or
// (Err set) could not be, and lives only until the app quits.
type SessionSaved struct{ Err error }

func (e SessionSaved) String() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return "session saved in the system keychain for the next launch"
}

// SignedOut: the session was ended and forgotten. RemoteErr says why the
// server could not be told; the session may then live there until it
// expires.
type SignedOut struct {
	Key       SessionKey
	RemoteErr error
}

func (e SignedOut) String() string {
	if e.RemoteErr != nil {
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
	return "forgot the saved session for " + e.Key.Env + " " + e.Key.PublicAPIKey
}

// resume tries the session saved under key. It returns done=true when the
// flow is over (resumed, or failed for good); done=false means a fresh flow
// should start.
func (e *Engine) resume(ctx context.Context, key SessionKey, client *qex.Client, emit func(Event)) (*QEXResult, bool, error) {
	cred, created, err := e.cfg.Sessions.Load(key)
	if err != nil {
		// Nothing saved, or the keychain did not answer: a new session it
		// is. Saving it will say what is wrong with the keychain, once.
		return nil, false, nil
	}
	accounts, err := client.Accounts(ctx, cred)
	switch {
	case err == nil:
	case qex.IsNotFound(err) || qex.IsUnauthorized(err):
		e.cfg.Sessions.Forget(key) //nolint:errcheck // reported by the store's next use
		emit(ResumeDeclined{Reason: err.Error()})
		return nil, false, nil
	default:
		return nil, true, err
	}
	e.cfg.Sessions.Touch(key)
	emit(Resumed{Created: created})
	emit(BalancesFetched{Accounts: accounts, At: time.Now()})
	cfg := widgetcfg.ForSession(key.PublicAPIKey, cred.SessionID, cred.SessionSecret)
	emit(WidgetConfigReady{Config: cfg})
	return &QEXResult{Session: &qex.Session{PublicAPIKey: key.PublicAPIKey, SessionID: cred.SessionID, SessionSecret: cred.SessionSecret}, Accounts: accounts, WidgetConfig: cfg}, true, nil
}
