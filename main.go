// QEX Companion connects a Liquid account to a partner through QEX: it
// creates a partner session, has the user approve it in a browser, shows
// their balances and emits the widget identity configuration. This file only
// reads flags and wires the parts: the window (ui), the terminal front end
// (headless), the flows engine and the embedded sandbox.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/headless"
	"github.com/qexcompanion/qex-companion/sandbox"
	"github.com/qexcompanion/qex-companion/ui"
	"github.com/qexcompanion/qex-companion/webbrowser"
)

const (
	progName = "qex-companion"
	appID    = "io.qexcompanion.app"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitBadArgs = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line, checked.
type options struct {
	headless     bool
	env          string
	apiBase      string // empty: the environment's own (the embedded sandbox for sandbox)
	publicAPIKey string
	outFile      string
	noBrowser    bool
	timeout      time.Duration
	serveSandbox string
	callback     string
	connect      bool
}

// usageError is bad command-line input: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line below
	fs.BoolVar(&o.headless, "headless", false, "run the flow in the terminal, without a window")
	fs.StringVar(&o.env, "env", "sandbox", "environment: sandbox (the embedded emulator) or production")
	fs.StringVar(&o.apiBase, "api-base", "", "QEX partner API base URL, overriding the environment's (e.g. https://partners.example)")
	fs.StringVar(&o.publicAPIKey, "public-api-key", "", "partner public API key, pk_... (the sandbox has a built-in one)")
	fs.StringVar(&o.outFile, "out", "", "write the widget configuration to this file (mode 0600) instead of stdout")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "only print the approval URL; do not open a browser")
	fs.DurationVar(&o.timeout, "timeout", flows.DefaultTimeout, "give up waiting for approval after this long")
	fs.StringVar(&o.serveSandbox, "serve-sandbox", "", "only serve the sandbox partner API on this loopback ADDR (e.g. 127.0.0.1:8080)")
	fs.StringVar(&o.callback, "callback", "loopback", "how the browser returns: loopback (a local port) or none (polling only)")
	fs.BoolVar(&o.connect, "connect", false, "in the window, start connecting at launch")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stderr)
			return o, err
		}
		return o, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return o, o.check()
}

func (o *options) check() error {
	switch o.env {
	case "sandbox":
		if o.publicAPIKey == "" {
			o.publicAPIKey = sandbox.DefaultPublicAPIKey
		}
	case "production":
		if o.publicAPIKey == "" {
			return usageError{"--env production needs --public-api-key pk_... (your partner key)"}
		}
	default:
		return usageError{fmt.Sprintf("--env must be sandbox or production, not %q", o.env)}
	}
	if o.apiBase != "" {
		if _, err := qex.ParseBaseURL(o.apiBase); err != nil {
			return usageError{"--api-base: " + err.Error()}
		}
	}
	if !strings.HasPrefix(o.publicAPIKey, "pk_") || len(o.publicAPIKey) < 8 || strings.ContainsAny(o.publicAPIKey, " \t\r\n") {
		return usageError{fmt.Sprintf("--public-api-key %q is not a public API key: they look like pk_xxxxxxxx-xxxx-...", o.publicAPIKey)}
	}
	if o.timeout <= 0 {
		return usageError{"--timeout must be positive, e.g. 10m"}
	}
	if o.callback != "loopback" && o.callback != "none" {
		return usageError{fmt.Sprintf("--callback must be loopback or none, not %q", o.callback)}
	}
	if o.serveSandbox != "" {
		if err := sandbox.CheckLoopback(o.serveSandbox); err != nil {
			return usageError{"--serve-sandbox: " + err.Error()}
		}
	}
	if o.outFile != "" {
		dir := filepath.Dir(o.outFile)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageError{fmt.Sprintf("--out %s: folder %s does not exist", o.outFile, dir)}
		}
	}
	return nil
}

func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n", progName)
	fmt.Fprintln(w, "Connects a Liquid account to a QEX partner and prints the widget identity configuration.")
	fmt.Fprintln(w, "Without --env or --api-base it runs against the embedded sandbox.")
	fmt.Fprintln(w)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (run with -h for help)\n", progName, err)
		return exitBadArgs
	}
	if o.serveSandbox != "" {
		return serveSandbox(ctx, o.serveSandbox, stdout, stderr)
	}
	if o.headless {
		err = runHeadless(ctx, o, stdout, stderr)
	} else {
		err = runWindow(ctx, o)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitFailed
	}
	return exitOK
}

// embeddedSandbox starts the in-process sandbox on demand and stops it when
// the app ends.
type embeddedSandbox struct{ srv *sandbox.Server }

func (e *embeddedSandbox) start() (string, error) {
	srv, err := sandbox.Start("127.0.0.1:0")
	if err != nil {
		return "", err
	}
	e.srv = srv
	return srv.URL, nil
}

func (e *embeddedSandbox) close() {
	if e.srv != nil {
		e.srv.Close()
	}
}

func (o options) receiver() flows.ReceiverFactory {
	if o.callback == "loopback" {
		return flows.Loopback
	}
	return nil
}

func (o options) browser() func(string) error {
	if o.noBrowser {
		return nil
	}
	return webbrowser.Open
}

// runHeadless runs the QEX flow in the terminal.
func runHeadless(ctx context.Context, o options, stdout, stderr io.Writer) error {
	sb := &embeddedSandbox{}
	defer sb.close()
	apiBase := o.apiBase
	switch {
	case apiBase != "":
	case o.env == "production":
		apiBase = qex.ProductionBaseURL
	default:
		var err error
		if apiBase, err = sb.start(); err != nil {
			return err
		}
	}
	client, err := qex.NewClient(apiBase)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "QEX Companion — %s environment, API %s\n", o.env, client.BaseURL())
	flow := flows.NewQEXFlow(flows.QEXConfig{
		Client: client, PublicAPIKey: o.publicAPIKey, Timeout: o.timeout,
		Receiver: o.receiver(), OpenBrowser: o.browser(),
	})
	return headless.Run(ctx, flow, stdout, stderr, o.outFile)
}

// runWindow runs the app's window until it is closed or ctx ends.
func runWindow(ctx context.Context, o options) error {
	sb := &embeddedSandbox{}
	defer sb.close()
	engine := flows.NewEngine(flows.EngineConfig{
		StartSandbox: sb.start,
		OpenBrowser:  o.browser(),
		Receiver:     o.receiver(),
		Timeout:      o.timeout,
		OutFile:      o.outFile,
	})
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := ui.NewMainWindow(a, engine, ui.Options{
		Target:      flows.Target{Env: o.env, APIBase: o.apiBase, PublicAPIKey: o.publicAPIKey},
		SandboxKey:  sandbox.DefaultPublicAPIKey,
		AutoConnect: o.connect,
	}).Window()
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal that started the app
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}

// serveSandbox serves only the sandbox API until ctx ends, printing its base
// URL on stdout for scripts.
func serveSandbox(ctx context.Context, addr string, stdout, stderr io.Writer) int {
	sb, err := sandbox.Start(addr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitFailed
	}
	defer sb.Close()
	fmt.Fprintln(stdout, sb.URL)
	fmt.Fprintf(stderr, "Sandbox QEX partner API at %s (public API key %s). Press Ctrl+C to stop.\n", sb.URL, sandbox.DefaultPublicAPIKey)
	<-ctx.Done()
	return exitOK
}
