// Package callback receives the browser's return to the app after the user
// approves or denies a request: a one-time state that ties the return to the
// pending flow, and a loopback HTTP receiver (RFC 8252 §7.3).
package callback

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/url"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// State is a one-time random value the app puts in its return URL and checks
// when the browser comes back, so no other page or process can end a flow.
type State string

// NewState returns 32 random bytes, base64url-encoded.
func NewState() State {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return State(base64.RawURLEncoding.EncodeToString(b[:]))
}

// Matches reports whether got is this state, in constant time.
func (s State) Matches(got string) bool {
	return s != "" && subtle.ConstantTimeCompare([]byte(s), []byte(got)) == 1
}

// Result is what came back with a matching state.
type Result struct {
	// Code is the authorization code of an OAuth provider, if any.
	Code string
	// Error is the provider's error code, e.g. "access_denied"; empty when
	// the user approved.
	Error string
	// ErrorDescription is the provider's human-readable reason, if any.
	ErrorDescription string
	// Params is everything the browser brought back, state included, for
	// providers that return more.
	Params url.Values
}

// ResultFrom reads a return's query: the same for every receiver.
func ResultFrom(q url.Values) Result {
	return Result{Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description"), Params: q}
}

// Pending is what a receiver waits for: the one-time state, and for a
// loopback receiver the path to answer on ("" is LoopbackPath; a provider
// with a registered redirect URI may need another). Rejected hears of every
// ignored arrival.
type Pending struct {
	State    State
	Path     string
	Rejected Rejected
}

// Err returns nil for an approval, or an error quoting the provider's reason.
func (r Result) Err() error {
	if r.Error == "" {
		return nil
	}
	return &DeniedError{Code: r.Error, Description: r.ErrorDescription}
}

// DeniedError is a return carrying error= instead of an approval.
type DeniedError struct {
	Code        string
	Description string
}

func (e *DeniedError) Error() string { return e.Msg().String() }

// Message says what the browser brought back, for any language; the
// provider's code and description are its own words.
func (e *DeniedError) Msg() msg.Message {
	if e.Code == "access_denied" {
		return msg.Denied.New(nil)
	}
	if e.Description != "" {
		return msg.ReturnedErrorSaid.New(msg.Args{"Code": msg.Said(oneline.Clean(e.Code, 60)), "Said": msg.Said(oneline.Clean(e.Description, 200))})
	}
	return msg.ReturnedError.New(msg.Args{"Code": msg.Said(oneline.Clean(e.Code, 60))})
}

// Receiver is where the browser's return arrives: a loopback listener here,
// a deep-link handler elsewhere.
type Receiver interface {
	// ReturnURL is the URL, with the state, that the provider redirects to.
	ReturnURL() string
	// Results delivers the one return whose state matches.
	Results() <-chan Result
	// Finish stops delivering returns but, where the browser's return is
	// answered by the app itself, keeps answering it until Close, so a
	// browser still on its way back is told it is done.
	Finish()
	// Close stops receiving. It is safe to call more than once.
	Close() error
}

// Rejected reports a return that was ignored, with why. The flow keeps
// waiting; the app shows these to people debugging an integration.
type Rejected func(reason msg.Message)
