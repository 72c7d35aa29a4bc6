// bareclient is the anchor the app's headless QEX flow is measured against
// (scripts/measure-lightness.sh): the same calls with nothing around them.
// It starts the same embedded sandbox in-process, creates a session, has
// $BROWSER approve it with a loopback return address, waits for the
// browser to come back, fetches the accounts and prints them as JSON.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

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
	emulators := providers.Emulators(providers.All) // the app's sandbox serves them all
	sb, err := sandbox.Start("127.0.0.1:0", emulators)
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
	return json.NewEncoder(os.Stdout).Encode(acc)
}
