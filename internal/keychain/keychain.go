// Package keychain keeps the app's secrets in the operating system's
// keychain (Secret Service, Keychain, Credential Manager) through one narrow
// door: every call has a timeout, calls run one at a time, and a keychain
// that does not answer becomes a typed "unavailable" error, never a hang.
package keychain

import (
	"errors"
	"sync"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/appid"
)

// Service is the name every entry of the app is stored under.
const Service = appid.ID

// DefaultTimeout bounds one keychain call, as the GitHub CLI does: on Linux a
// call can otherwise block forever on an unlock prompt.
const DefaultTimeout = 3 * time.Second

// MaxSecretBytes is the largest value stored: Windows refuses more than 2560
// bytes in one entry, macOS about 3000.
const MaxSecretBytes = 2048

// ErrNotFound means there is no entry for that name.
var ErrNotFound error = msg.KeychainNoEntry.Err(nil)

// UnavailableError means no keychain answered: none is running (Linux
// without Secret Service, SSH), it is locked, or it did not answer in time.
// Reason is the app's own words, or the system's as a foreign message.
type UnavailableError struct{ Reason msg.Message }

func (e *UnavailableError) Error() string { return e.Msg().String() }

func (e *UnavailableError) Msg() msg.Message {
	return msg.KeychainUnavailable.New(msg.Args{"Reason": e.Reason})
}

// IsUnavailable reports whether err says no keychain answered.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// Backend is a store of secrets by service and name.
type Backend interface {
	Get(service, name string) (string, error)
	Set(service, name, secret string) error
	Delete(service, name string) error
}

// System is the operating system's keychain.
func System() Backend { return systemKeyring{} }

type systemKeyring struct{}

func (systemKeyring) Get(service, name string) (string, error) {
	if err := sessionBusMissing(); err != nil {
		return "", err
	}
	s, err := keyring.Get(service, name)
	return s, systemError(err)
}

func (systemKeyring) Set(service, name, secret string) error {
	if err := sessionBusMissing(); err != nil {
		return err
	}
	return systemError(keyring.Set(service, name, secret))
}

func (systemKeyring) Delete(service, name string) error {
	if err := sessionBusMissing(); err != nil {
		return err
	}
	return systemError(keyring.Delete(service, name))
}

// systemError: apart from "not found", every failure of the system keychain
// means it cannot be used here (no D-Bus, no Secret Service, locked, denied).
func systemError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	}
	return &UnavailableError{Reason: msg.Foreign.New(msg.Args{"Text": msg.Detail(firstLine(err.Error()))})}
}

// Keychain is the app's door to a Backend.
type Keychain struct {
	backend Backend
	timeout time.Duration
	turn    chan struct{} // one call at a time

	mu          sync.Mutex
	unavailable *UnavailableError // once a call timed out, later ones fail at once
}

// New returns a keychain over backend with DefaultTimeout.
func New(backend Backend) *Keychain {
	return NewWithTimeout(backend, DefaultTimeout)
}

// NewWithTimeout returns a keychain whose calls give up after timeout.
func NewWithTimeout(backend Backend, timeout time.Duration) *Keychain {
	return &Keychain{backend: backend, timeout: timeout, turn: make(chan struct{}, 1)}
}

// Get returns the secret stored under name, ErrNotFound, or an
// UnavailableError.
func (k *Keychain) Get(name string) (string, error) {
	var secret string
	err := k.call(func() (err error) {
		secret, err = k.backend.Get(Service, name)
		return err
	})
	return secret, err
}

// Set stores secret under name, replacing what was there.
func (k *Keychain) Set(name, secret string) error {
	if len(secret) > MaxSecretBytes {
		return msg.KeychainTooLarge.Err(msg.Args{"Name": name, "Size": len(secret), "Max": MaxSecretBytes})
	}
	return k.call(func() error { return k.backend.Set(Service, name, secret) })
}

// Delete removes the entry under name; a missing entry is not an error.
func (k *Keychain) Delete(name string) error {
	err := k.call(func() error { return k.backend.Delete(Service, name) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Available reports whether the keychain has answered so far.
func (k *Keychain) Available() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.unavailable == nil
}

// call runs f on its own goroutine, waiting at most the timeout for its turn
// and for its answer.
func (k *Keychain) call(f func() error) error {
	k.mu.Lock()
	down := k.unavailable
	k.mu.Unlock()
	if down != nil {
		return down
	}
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case k.turn <- struct{}{}:
	case <-timer.C:
		return k.giveUp(msg.KeychainBusy.New(nil))
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-k.turn }() // the turn passes on only when f returns
		done <- f()
	}()
	select {
	case err := <-done:
		var down *UnavailableError
		if errors.As(err, &down) {
			return k.giveUp(down.Reason)
		}
		return err
	case <-timer.C:
		return k.giveUp(msg.KeychainNoAnswer.New(msg.Args{"After": k.timeout}))
	}
}

func (k *Keychain) giveUp(reason msg.Message) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.unavailable == nil {
		k.unavailable = &UnavailableError{Reason: reason}
	}
	return k.unavailable
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// Where names where secrets are kept, for messages: the system keychain,
// or the private file of --insecure-storage.
func (k *Keychain) Where() msg.Message {
	if f, ok := k.backend.(*FileBackend); ok {
		return msg.PrivateFile.New(msg.Args{"Path": f.Path()})
	}
	return msg.SystemKeychain.New(nil)
}
