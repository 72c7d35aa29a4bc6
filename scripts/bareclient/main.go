// bareclient is the anchor the app's headless QEX flow is measured against
// (scripts/measure-lightness.sh): the same calls with nothing around them.
// It starts the same embedded sandbox in-process, creates a session, has
// $BROWSER approve it with a loopback return address, waits for the
// browser to come back, fetches the accounts and prints them as JSON.
//
// Like the app, it keeps what the next launch needs to resume the session
// when a D-Bus session offers a keychain: its sandbox's state, with the
// master key in the keychain, and the session's secret, saved in the
// keychain with zalando/go-keyring. With no D-Bus session it keeps
// nothing, as the app then does.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// service names the bare client's keychain entries, apart from the app's.
const service = "qex-bareclient"

func main() {
	if len(os.Args) > 1 { // -h: start and exit, the anchor for the app's --help
		fmt.Println("usage: bareclient (with $BROWSER set to the scripted user)")
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bareclient:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Without a session bus go-keyring would autolaunch one; the app does
	// not ask then either.
	keep := os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	var opts []sandbox.Option
	if keep {
		key, err := masterKey()
		if err != nil {
			return err
		}
		dir, err := os.UserConfigDir()
		if err != nil {
			return err
		}
		opts = append(opts, sandbox.WithPersistence(filepath.Join(dir, "qex-bareclient", "sandbox-state.json"), key))
	}
	emulators := providers.Emulators(providers.All) // the app's sandbox serves them all
	sb, err := sandbox.Start("127.0.0.1:0", emulators, opts...)
	if err != nil {
		return err
	}
	defer sb.Close()
	c, err := qex.NewClient(sb.URL)
	if err != nil {
		return err
	}
	s, err := c.CreateSession(ctx, sandbox.PublicInputs(emulators)["qex"][qex.FieldPublicAPIKey])
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	back := make(chan struct{}, 1)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Approved; you can close this page.")
		select {
		case back <- struct{}{}:
		default:
		}
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()
	approval := c.ApprovalURL(s.SessionID, "http://"+ln.Addr().String()+"/callback")
	if err := exec.CommandContext(ctx, os.Getenv("BROWSER"), approval).Start(); err != nil {
		return err
	}
	select {
	case <-back:
	case <-ctx.Done():
		return ctx.Err()
	}
	acc, err := c.Accounts(ctx, s.Credentials())
	if err != nil {
		return err
	}
	if err := json.NewEncoder(os.Stdout).Encode(acc); err != nil {
		return err
	}
	if !keep {
		return nil
	}
	saved, err := json.Marshal(map[string]any{"session_id": s.SessionID, "session_secret": s.SessionSecret, "created": time.Now().Unix()})
	if err != nil {
		return err
	}
	return keyring.Set(service, "session", string(saved))
}

// masterKey reads the sandbox's master key from the keychain, creating it
// the first time.
func masterKey() ([]byte, error) {
	stored, err := keyring.Get(service, "sandbox master key")
	if errors.Is(err, keyring.ErrNotFound) {
		key := make([]byte, 32)
		rand.Read(key)
		stored = hex.EncodeToString(key)
		err = keyring.Set(service, "sandbox master key", stored)
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(stored)
}
