// QEX Companion connects a Liquid account to a partner through QEX: it
// creates a partner session, has the user approve it in a browser, shows
// their balances and emits the widget identity configuration. This file only
// reads flags and wires the parts: the window (ui), the terminal front end
// (headless), the flows engine and the embedded sandbox.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/instance"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/register"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/webbrowser"
	"github.com/qexcompanion/qex-companion/ui"

	"github.com/qexcompanion/qex-companion/internal/appid"
)

const (
	progName = "qex-companion"
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
	noResume     bool
	signOut      bool
	insecure     bool
	register     bool
	unregister   bool
	widget       bool
	link         string          // an io.qexcompanion.app: link the system launched us with
	set          map[string]bool // flags given on the command line
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
	fs.StringVar(&o.callback, "callback", "loopback", "how the browser returns: loopback (a local port), deeplink (io.qexcompanion.app: links) or none (polling only)")
	fs.BoolVar(&o.connect, "connect", false, "in the window, start connecting at launch")
	fs.BoolVar(&o.noResume, "no-resume", false, "start a new session even if one is saved for this environment and key")
	fs.BoolVar(&o.signOut, "sign-out", false, "end the saved session for this environment and key, and forget it")
	fs.BoolVar(&o.insecure, "insecure-storage", false, "without a system keychain, keep session secrets in a private file (readable by anyone with your files)")
	fs.BoolVar(&o.widget, "widget", false, "headless: after the flow, serve the widget page and print its events on stdout until interrupted")
	fs.BoolVar(&o.register, "register-scheme", false, "make io.qexcompanion.app links open in this app, then exit")
	fs.BoolVar(&o.unregister, "unregister-scheme", false, "stop io.qexcompanion.app links opening in this app, then exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stderr)
			return o, err
		}
		return o, usageError{err.Error()}
	}
	switch {
	case fs.NArg() == 1 && deeplink.LooksLikeLink(fs.Arg(0)):
		o.link = fs.Arg(0) // how the system hands us a link
	case fs.NArg() > 0:
		return o, usageError{fmt.Sprintf("unexpected argument %q (the only argument accepted is an %s: link)", fs.Arg(0), deeplink.Scheme)}
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	return o, o.check()
}

// minTimeout is the shortest --timeout that leaves time to approve.
const minTimeout = time.Second

func (o *options) check() error {
	switch {
	case o.set["api-base"] && strings.TrimSpace(o.apiBase) == "":
		return usageError{"--api-base is empty: give your QEX server's URL (e.g. https://partners.example), or leave the flag out to use the environment's"}
	case o.set["public-api-key"] && o.publicAPIKey == "":
		return usageError{"--public-api-key is empty: give your partner's key (pk_...), or leave the flag out to use the sandbox's"}
	case o.register && o.unregister:
		return usageError{"--register-scheme and --unregister-scheme go one at a time: give only one"}
	case o.widget && !o.headless:
		return usageError{"--widget works only with --headless: in the window, use Open widget on the last step"}
	}
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
	if err := flows.CheckPublicAPIKey(o.publicAPIKey); err != nil {
		return usageError{"--public-api-key: " + err.Error()}
	}
	if o.timeout < minTimeout {
		return usageError{fmt.Sprintf("--timeout %s leaves no time to approve: give at least %s, e.g. 10m", o.timeout, minTimeout)}
	}
	if o.callback != flows.CallbackLoopback && o.callback != flows.CallbackDeepLink && o.callback != flows.CallbackNone {
		return usageError{fmt.Sprintf("--callback must be loopback, deeplink or none, not %q", o.callback)}
	}
	if o.serveSandbox != "" {
		if err := sandbox.CheckLoopback(o.serveSandbox); err != nil {
			return usageError{"--serve-sandbox: " + err.Error()}
		}
	}
	if o.outFile != "" {
		if err := checkOutFile(o.outFile); err != nil {
			return usageError{fmt.Sprintf("--out %s: %v", o.outFile, err)}
		}
	}
	return nil
}

// checkOutFile finds, before anything is sent, why the configuration could
// not be written to path once the user has approved.
func checkOutFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.New("is a folder: name a file in it, e.g. " + filepath.Join(path, "widget.json"))
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("folder %s does not exist", dir)
	}
	// The file is written by replacing it within its folder: try that now.
	probe, err := os.CreateTemp(dir, ".qex-companion-*")
	if err != nil {
		return fmt.Errorf("cannot write in folder %s: choose another", dir)
	}
	probe.Close()
	return os.Remove(probe.Name())
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
	switch {
	case o.serveSandbox != "":
		return serveSandbox(ctx, o.serveSandbox, stdout, stderr)
	case o.register || o.unregister:
		err = registerScheme(o.register, stderr)
	case o.signOut:
		var w *wiring
		if w, err = wire(o, stderr); err == nil {
			defer w.close()
			err = signOut(ctx, w, o, stderr)
		}
	default:
		err = runApp(ctx, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		if errors.As(err, new(usageError)) {
			return exitBadArgs
		}
		return exitFailed
	}
	return exitOK
}

// runApp runs the window or the headless flow, as the one running copy
// when it needs to receive links; a later copy hands its link over, or
// brings the window to the front, and exits.
func runApp(ctx context.Context, o options, stdout, stderr io.Writer) error {
	w, err := wire(o, stderr)
	if err != nil {
		return err
	}
	defer w.close()
	receivesLinks := !o.headless || o.callback == flows.CallbackDeepLink || o.link != ""
	if receivesLinks {
		primary, running, err := acquireInstance(w)
		switch {
		case running != nil && o.link != "":
			if err := running.OpenURL(o.link); err != nil {
				return err
			}
			fmt.Fprintln(stderr, "Handed the link to the QEX Companion that is already running.")
			return nil
		case running != nil && !o.headless:
			if err := running.Raise(); err != nil {
				return err
			}
			fmt.Fprintln(stderr, "QEX Companion is already running: its window was brought to the front.")
			return nil
		case running != nil:
			return fmt.Errorf("another QEX Companion is already running and receives %s: links; wait for it to finish, or use --callback loopback", deeplink.Scheme)
		case err != nil && o.headless:
			return err
		case err != nil:
			fmt.Fprintf(stderr, "Warning: %v; links from the browser and a second launch will not reach this window.\n", err)
		default:
			defer primary.Close()
		}
	}
	if o.headless {
		return runHeadless(ctx, w, o, stdout, stderr)
	}
	if err := checkDisplay(); err != nil {
		return err
	}
	return runWindow(ctx, w, o)
}

// checkDisplay: on Linux a window needs an X11 or Wayland display, and
// without one GLFW panics inside Fyne. A later copy that only hands over a
// link or raises the running window needs none, so this comes after that.
func checkDisplay() error {
	if runtime.GOOS != "linux" || os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return usageError{"no display: use --headless (or set DISPLAY)"}
}

func acquireInstance(w *wiring) (*instance.Primary, *instance.Running, error) {
	dir, err := instance.DefaultDir()
	if err != nil {
		return nil, nil, err
	}
	return instance.Acquire(dir, instance.Handler{
		OpenURL:  w.router.Deliver,
		Raise:    func() { w.frontEnd().raise() },
		Rejected: func(reason string) { w.frontEnd().log(reason) },
	})
}

// registerScheme does --register-scheme and --unregister-scheme.
func registerScheme(on bool, stderr io.Writer) error {
	exe, err := register.Executable()
	if err != nil {
		return err
	}
	if !on {
		if err := register.Unregister(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s links no longer open in QEX Companion.\n", deeplink.Scheme)
		return nil
	}
	if err := register.Register(exe); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s.\n", register.Check(exe).Detail)
	return nil
}

// wiring is the app's parts, connected.
type wiring struct {
	settings    *settings.File
	keychain    *keychain.Keychain
	engine      *flows.Engine
	sandbox     *embeddedSandbox
	router      *deeplink.Router
	storageNote string // said once, in the terminal and the window

	mu sync.Mutex
	fe frontEnd
}

// frontEnd is where what happens outside a flow is reported, once the
// window or the terminal printer exists; until then, nowhere.
type frontEnd struct {
	notify func(text string) // the user should see it (a link with nothing waiting)
	log    func(text string) // the inspector's log (a refused message)
	raise  func()            // brings the window to the front
}

var noFrontEnd = frontEnd{notify: func(string) {}, log: func(string) {}, raise: func() {}}

func (w *wiring) setFrontEnd(fe frontEnd) {
	if fe.raise == nil {
		fe.raise = noFrontEnd.raise
	}
	w.mu.Lock()
	w.fe = fe
	w.mu.Unlock()
}

func (w *wiring) frontEnd() frontEnd {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fe
}

func wire(o options, stderr io.Writer) (*wiring, error) {
	settingsPath, err := settings.DefaultPath()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(settingsPath)
	w := &wiring{settings: settings.Open(settingsPath), fe: noFrontEnd}
	w.router = deeplink.NewRouter(func(reason string) { w.frontEnd().notify(reason) })
	if o.insecure {
		backend := keychain.NewFileBackend(filepath.Join(dir, "insecure-secrets.json"))
		w.keychain = keychain.New(backend)
		w.storageNote = "--insecure-storage: session secrets are kept in " + backend.Path() + " (readable only by you, but by anything that runs as you), not in a system keychain."
		fmt.Fprintf(stderr, "Warning: %s\n", w.storageNote)
	} else {
		w.keychain = keychain.New(keychain.System())
	}
	w.sandbox = &embeddedSandbox{keychain: w.keychain, stateFile: filepath.Join(dir, "sandbox-state.json")}
	receivers := map[string]flows.ReceiverFactory{
		flows.CallbackLoopback: flows.Loopback,
		flows.CallbackDeepLink: w.router.Listen,
		flows.CallbackNone:     nil,
	}
	w.engine = flows.NewEngine(flows.EngineConfig{
		StartSandbox: w.sandbox.start,
		OpenBrowser:  o.browser(),
		Receiver:     receivers[o.callback], // the default when a target names none
		Receivers:    receivers,
		Timeout:      o.timeout,
		OutFile:      o.outFile,
		Sessions:     sessions.New(w.keychain, w.settings),
		NoResume:     o.noResume,
	})
	return w, nil
}

func (w *wiring) close() {
	w.engine.Close()
	w.sandbox.close()
}

// embeddedSandbox starts the in-process sandbox on demand and stops it when
// the app ends. Its sessions outlive the process when the keychain can keep
// the key their secrets are derived from.
type embeddedSandbox struct {
	keychain  *keychain.Keychain
	stateFile string
	srv       *sandbox.Server
}

const sandboxKeyEntry = "sandbox master key"

func (e *embeddedSandbox) start() (string, error) {
	var opts []sandbox.Option
	if key, err := e.masterKey(); err == nil {
		opts = append(opts, sandbox.WithPersistence(e.stateFile, key))
	}
	srv, err := sandbox.Start("127.0.0.1:0", opts...)
	if err != nil {
		return "", err
	}
	e.srv = srv
	return srv.URL, nil
}

// masterKey reads the sandbox's key from the keychain, creating it the
// first time.
func (e *embeddedSandbox) masterKey() ([]byte, error) {
	stored, err := e.keychain.Get(sandboxKeyEntry)
	if errors.Is(err, keychain.ErrNotFound) {
		key := make([]byte, 32)
		rand.Read(key)
		stored = hex.EncodeToString(key)
		err = e.keychain.Set(sandboxKeyEntry, stored)
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(stored)
}

func (e *embeddedSandbox) close() {
	if e.srv != nil {
		e.srv.Close()
	}
}

func (o options) browser() func(string) error {
	if o.noBrowser {
		return nil
	}
	return webbrowser.Open
}

func (o options) target() flows.Target {
	return flows.Target{Env: o.env, APIBase: o.apiBase, PublicAPIKey: o.publicAPIKey}
}

// runHeadless runs the QEX flow in the terminal.
func runHeadless(ctx context.Context, w *wiring, o options, stdout, stderr io.Writer) error {
	where := "the embedded sandbox"
	if o.apiBase != "" {
		where = o.apiBase
	} else if o.env == "production" {
		where = qex.ProductionBaseURL
	}
	fmt.Fprintf(stderr, "QEX Companion — %s environment, API %s\n", o.env, where)
	notes := func(text string) { fmt.Fprintf(stderr, "  Note: %s.\n", text) }
	w.setFrontEnd(frontEnd{notify: notes, log: notes})
	if o.link != "" {
		w.router.Deliver(o.link) // nothing can be waiting yet: says so
		return errors.New("nothing was waiting for the link; start the flow first, with --callback deeplink")
	}
	res, err := headless.Run(ctx, w.engine, o.target(), stdout, stderr, o.outFile == "")
	if err != nil || !o.widget {
		return err
	}
	return headless.Widget(ctx, w.engine, res.WidgetConfig, stdout, stderr, o.browser())
}

// signOut ends the saved session (--sign-out).
func signOut(ctx context.Context, w *wiring, o options, stderr io.Writer) error {
	out, err := w.engine.SignOutSaved(ctx, o.target())
	if errors.Is(err, flows.ErrNoSavedSession) {
		fmt.Fprintf(stderr, "Nothing to sign out: no session is saved for %s %s.\n", o.env, o.publicAPIKey)
		return nil
	}
	if err != nil {
		return err
	}
	headless.PrintSignOut(stderr, out)
	return nil
}

// runWindow runs the app's window until it is closed or ctx ends.
func runWindow(ctx context.Context, w *wiring, o options) error {
	saved, loadErr := w.settings.Load()
	target := o.target()
	// Flags win; otherwise the window opens where the user left it.
	if !o.set["env"] && !o.set["api-base"] && !o.set["public-api-key"] && saved.Env != "" {
		target = flows.Target{Env: saved.Env, APIBase: saved.APIBase, PublicAPIKey: saved.PublicAPIKey}
	}
	target.Callback = o.callback
	if !o.set["callback"] && saved.Callback != "" {
		target.Callback = saved.Callback
	}
	a := app.NewWithID(appid.ID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	var notes []string
	if loadErr != nil {
		notes = append(notes, loadErr.Error())
	}
	if w.storageNote != "" {
		notes = append(notes, w.storageNote)
	}
	mw := ui.NewMainWindow(a, w.engine, ui.Options{
		Target:      target,
		SandboxKey:  sandbox.DefaultPublicAPIKey,
		AutoConnect: o.connect,
		Notes:       notes,
		WindowSize:  fyne.NewSize(saved.WindowWidth, saved.WindowHeight),
		Remember: func(t flows.Target, size fyne.Size) {
			w.settings.Update(func(s *settings.Settings) { //nolint:errcheck // losing a preference is not worth a dialog
				s.Env, s.APIBase, s.PublicAPIKey, s.Callback = t.Env, t.APIBase, t.PublicAPIKey, t.Callback
				s.WindowWidth, s.WindowHeight = size.Width, size.Height
			})
		},
		Scheme: schemeRegistry{},
	})
	w.setFrontEnd(frontEnd{notify: mw.Notify, log: mw.Log, raise: mw.Raise})
	go func() {
		if exe, err := register.Executable(); err == nil {
			if err := register.AtFirstRun(exe); err != nil {
				mw.Log("could not register io.qexcompanion.app links: " + err.Error())
			}
		}
	}()
	if o.link != "" {
		w.router.Deliver(o.link) // launched by a link, with no flow yet: says so
	}
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal that started the app
		fyne.Do(a.Quit)
	}()
	mw.Window().ShowAndRun()
	return nil
}

// schemeRegistry lets the window show and fix the scheme's registration.
type schemeRegistry struct{}

func (schemeRegistry) Status() (bool, string) {
	exe, err := register.Executable()
	if err != nil {
		return false, err.Error()
	}
	st := register.Check(exe)
	return st.Registered, st.Detail
}

func (schemeRegistry) Register() error {
	exe, err := register.Executable()
	if err != nil {
		return err
	}
	return register.Register(exe)
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
