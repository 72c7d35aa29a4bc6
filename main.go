// QEX Companion connects a person's account to a partner through five
// authorization systems (providers), QEX partner sessions first: it has the
// user approve access in a browser, shows what the provider returns and,
// for QEX, emits the widget identity configuration. This file only reads
// flags and wires the parts: the providers, the flows engine, the window
// (ui), the terminal front end (headless) and the embedded sandbox.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/instance"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/register"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	sandboxliquid "github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/webbrowser"
	"github.com/qexcompanion/qex-companion/ui"

	"github.com/qexcompanion/qex-companion/internal/appid"
)

const progName = "qex-companion"

// providers are the systems the app speaks, the default first.
var providers = []flows.Provider{qex.Provider{}, liquid.Provider{}}

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
	provider     string
	env          string
	apiBase      string            // empty: the environment's own (the embedded sandbox for sandbox)
	fields       map[string]string // the providers' inputs given as flags, by field name
	call         string            // --call "METHOD /path?query"
	data         string            // --call's JSON body
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
	o := options{fields: map[string]string{}}
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line below
	fs.BoolVar(&o.headless, "headless", false, "run the flow in the terminal, without a window")
	fs.StringVar(&o.provider, "provider", "qex", "the authorization system: "+strings.Join(providerNames(), ", "))
	fs.StringVar(&o.env, "env", "sandbox", "environment: sandbox (the embedded emulator) or production")
	fs.StringVar(&o.apiBase, "api-base", "", "the provider's API base URL, overriding the environment's (e.g. https://partners.example)")
	for _, p := range providers {
		for _, f := range p.Info().Fields {
			if !f.Secret { // secrets come from the environment: flags show in shell history and ps
				fs.Func(f.Name, fmt.Sprintf("--provider %s: %s (the sandbox has a built-in one)", p.Info().Name, f.Label), func(v string) error {
					o.fields[f.Name] = v
					return nil
				})
			}
		}
	}
	fs.StringVar(&o.call, "call", "", `headless: after connecting, send one request with the provider's authentication, e.g. "GET /accounts", and print the answer`)
	fs.StringVar(&o.data, "data", "", "--call's JSON body")
	fs.StringVar(&o.outFile, "out", "", "write the result (QEX: the widget configuration) to this file (mode 0600) instead of stdout")
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
	info, ok := providerInfo(o.provider)
	switch {
	case !ok:
		return usageError{fmt.Sprintf("--provider %q does not exist: choose %s", o.provider, strings.Join(providerNames(), ", "))}
	case o.set["api-base"] && strings.TrimSpace(o.apiBase) == "":
		return usageError{"--api-base is empty: give your server's URL (e.g. " + info.ProductionBase + "), or leave the flag out to use the environment's"}
	case o.register && o.unregister:
		return usageError{"--register-scheme and --unregister-scheme go one at a time: give only one"}
	case o.widget && !o.headless:
		return usageError{"--widget works only with --headless: in the window, use Open widget on the last step"}
	case o.widget && info.Name != "qex":
		return usageError{"--widget is for --provider qex: only QEX has a widget"}
	case o.call != "" && !o.headless:
		return usageError{"--call works only with --headless: the window will have a request console"}
	case o.data != "" && o.call == "":
		return usageError{"--data is --call's body: give --call too"}
	case o.data != "" && !json.Valid([]byte(o.data)):
		return usageError{"--data is not valid JSON: quote it for your shell, e.g. --data '{\"a\": 1}'"}
	case o.env != flows.EnvSandbox && o.env != flows.EnvProduction:
		return usageError{fmt.Sprintf("--env must be sandbox or production, not %q", o.env)}
	}
	for name, v := range o.fields {
		if !hasField(info, name) {
			return usageError{fmt.Sprintf("--%s is not an input of --provider %s (it takes %s)", name, info.Name, strings.Join(fieldSources(info), ", "))}
		}
		if v == "" {
			return usageError{fmt.Sprintf("--%s is empty: give a value, or leave the flag out to use the sandbox's", name)}
		}
	}
	if o.call != "" {
		if _, _, err := splitCall(o.call); err != nil {
			return usageError{"--call: " + err.Error()}
		}
	}
	if o.headless || o.signOut || o.set["provider"] || o.set["env"] || o.set["api-base"] || len(o.fields) > 0 {
		if err := checkTarget(*o); err != nil {
			return err
		}
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

// splitCall reads --call "METHOD /path?query".
func splitCall(call string) (method, pathQuery string, err error) {
	method, pathQuery, _ = strings.Cut(strings.TrimSpace(call), " ")
	pathQuery = strings.TrimSpace(pathQuery)
	if method == "" || !strings.HasPrefix(pathQuery, "/") || strings.ContainsAny(pathQuery, " \t\r\n") {
		return "", "", fmt.Errorf("%q is not METHOD /path, e.g. \"GET /accounts\"", call)
	}
	return strings.ToUpper(method), pathQuery, nil
}

func providerNames() []string {
	names := make([]string, len(providers))
	for i, p := range providers {
		names[i] = p.Info().Name
	}
	return names
}

func providerInfo(name string) (flows.ProviderInfo, bool) {
	for _, p := range providers {
		if p.Info().Name == name {
			return p.Info(), true
		}
	}
	return flows.ProviderInfo{}, false
}

func hasField(info flows.ProviderInfo, name string) bool {
	return slices.ContainsFunc(info.Fields, func(f flows.Field) bool { return f.Name == name && !f.Secret })
}

// fieldSource names where a field's value comes from on the command line:
// its flag, or the environment variable of a secret.
func fieldSource(f flows.Field) string {
	if f.Secret {
		return "$" + f.EnvVar
	}
	return "--" + f.Name
}

func fieldSources(info flows.ProviderInfo) []string {
	var sources []string
	for _, f := range info.Fields {
		sources = append(sources, fieldSource(f))
	}
	return sources
}

func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n", progName)
	fmt.Fprintln(w, "Connects a person's account to a partner through one of the providers and shows what it returns;")
	fmt.Fprintln(w, "for QEX (the default), it prints the widget identity configuration.")
	fmt.Fprintln(w, "Without --env or --api-base it runs against the embedded sandbox. Secrets come from the environment:")
	for _, p := range providers {
		for _, f := range p.Info().Fields {
			if f.Secret {
				fmt.Fprintf(w, "  $%s\t--provider %s: %s\n", f.EnvVar, p.Info().Name, f.Label)
			}
		}
	}
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
	sandbox     *sandbox.Embedded
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
	w.sandbox = sandbox.NewEmbedded(w.keychain, dir)
	receivers := map[string]flows.ReceiverFactory{
		flows.CallbackLoopback: flows.Loopback,
		flows.CallbackDeepLink: w.router.Listen,
		flows.CallbackNone:     nil,
	}
	w.engine = flows.NewEngine(flows.EngineConfig{
		Providers:   providers,
		Sandbox:     w.sandbox,
		OpenBrowser: o.browser(),
		Receiver:    receivers[o.callback], // the default when a target names none
		Receivers:   receivers,
		Timeout:     o.timeout,
		OutFile:     o.outFile,
		Sessions:    sessions.New(w.keychain, w.settings),
		NoResume:    o.noResume,
		Secrets:     w.keychain,
	})
	return w, nil
}

func (w *wiring) close() {
	w.engine.Close()
	w.sandbox.Close()
}

// checkTarget checks the command line's target as the engine will, before
// anything is sent: a problem is bad input (exit 2), named by its flag or
// environment variable.
func checkTarget(o options) error {
	checker := flows.NewEngine(flows.EngineConfig{Providers: providers, Sandbox: sandbox.NewEmbedded(nil, "")}) // never started
	err := checker.Check(o.target())
	var fe *flows.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	source := "--" + fe.Field
	info, _ := providerInfo(o.provider)
	for _, f := range info.Fields {
		if f.Name == fe.Field {
			source = fieldSource(f)
		}
	}
	return usageError{source + ": " + fe.Err.Error()}
}

func (o options) browser() func(string) error {
	if o.noBrowser {
		return nil
	}
	return webbrowser.Open
}

// sandboxDefaults are the sandbox's public built-in inputs, which any
// sandbox server (the embedded one, --serve-sandbox) accepts. Its secrets
// the engine fills in from the embedded sandbox itself.
var sandboxDefaults = map[string]flows.Inputs{
	"qex":    {qex.FieldPublicAPIKey: sandbox.DefaultPublicAPIKey},
	"liquid": {liquid.FieldTokenID: sandboxliquid.DefaultTokenID},
}

// target is the command line's target: secrets come from the environment,
// and on the sandbox a missing input is the sandbox's own.
func (o options) target() flows.Target {
	t := flows.Target{Provider: o.provider, Env: o.env, APIBase: o.apiBase, Inputs: flows.Inputs{}}
	info, _ := providerInfo(o.provider)
	for _, f := range info.Fields {
		switch {
		case f.Secret:
			t.Inputs[f.Name] = os.Getenv(f.EnvVar)
		case o.fields[f.Name] != "":
			t.Inputs[f.Name] = o.fields[f.Name]
		case o.env == flows.EnvSandbox:
			t.Inputs[f.Name] = sandboxDefaults[info.Name][f.Name]
		}
	}
	return t
}

// runHeadless runs the provider's flow in the terminal.
func runHeadless(ctx context.Context, w *wiring, o options, stdout, stderr io.Writer) error {
	info, _ := providerInfo(o.provider)
	where := "the embedded sandbox"
	if o.apiBase != "" {
		where = o.apiBase
	} else if o.env == "production" {
		where = info.ProductionBase
	}
	fmt.Fprintf(stderr, "QEX Companion — %s, %s environment, API %s\n", info.Title, o.env, where)
	notes := func(text string) { fmt.Fprintf(stderr, "  Note: %s.\n", text) }
	w.setFrontEnd(frontEnd{notify: notes, log: notes})
	if o.link != "" {
		w.router.Deliver(o.link) // nothing can be waiting yet: says so
		return errors.New("nothing was waiting for the link; start the flow first, with --callback deeplink")
	}
	res, err := headless.Run(ctx, w.engine, o.target(), stdout, stderr, o.outFile == "" && o.call == "")
	switch {
	case err != nil:
		return err
	case o.call != "":
		method, pathQuery, _ := splitCall(o.call)
		var body []byte
		if o.data != "" {
			body = []byte(o.data)
		}
		return headless.Call(ctx, w.engine, method, pathQuery, body, stdout, stderr)
	case o.widget:
		return headless.Widget(ctx, w.engine, res.Widget.Config, stdout, stderr, o.browser())
	}
	return nil
}

// signOut ends the saved session (--sign-out).
func signOut(ctx context.Context, w *wiring, o options, stderr io.Writer) error {
	out, err := w.engine.SignOutSaved(ctx, o.target())
	if errors.Is(err, flows.ErrNoSavedSession) {
		fmt.Fprintf(stderr, "Nothing to sign out: no %s session is saved for %s %s.\n", o.provider, o.env, w.engine.SessionKey(o.target()).Account)
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
	if !o.set["provider"] && !o.set["env"] && !o.set["api-base"] && len(o.fields) == 0 && saved.Env != "" {
		target = flows.Target{Provider: saved.Provider, Env: saved.Env, APIBase: saved.APIBase, Inputs: flows.Inputs{}}
		maps.Copy(target.Inputs, saved.Inputs)
		if saved.PublicAPIKey != "" && saved.Provider == "" { // saved before there were providers
			target.Provider, target.Inputs[qex.FieldPublicAPIKey] = "qex", saved.PublicAPIKey
		}
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
		Target:        target,
		SandboxInputs: sandboxDefaults,
		AutoConnect:   o.connect,
		Notes:         notes,
		WindowSize:    fyne.NewSize(saved.WindowWidth, saved.WindowHeight),
		Remember: func(t flows.Target, size fyne.Size) {
			w.settings.Update(func(s *settings.Settings) { //nolint:errcheck // losing a preference is not worth a dialog
				s.Provider, s.Env, s.APIBase, s.Callback, s.PublicAPIKey = t.Provider, t.Env, t.APIBase, t.Callback, ""
				s.Inputs = map[string]string{}
				info, _ := providerInfo(t.Provider)
				for _, f := range info.Fields {
					if !f.Secret && t.Inputs[f.Name] != "" {
						s.Inputs[f.Name] = t.Inputs[f.Name]
					}
				}
				s.WindowWidth, s.WindowHeight = size.Width, size.Height
			})
		},
		Scheme: register.System{},
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

// serveSandbox serves only the sandbox APIs until ctx ends, printing its base
// URL on stdout for scripts. The Liquid emulator's token secret is
// $LIQUID_TOKEN_SECRET when set, so scripts can sign with it; it is never
// printed.
func serveSandbox(ctx context.Context, addr string, stdout, stderr io.Writer) int {
	var opts []sandbox.Option
	secretNote := "random: set $" + liquid.SecretEnvVar + " before starting to choose it"
	if secret := os.Getenv(liquid.SecretEnvVar); secret != "" {
		opts = append(opts, sandbox.WithLiquid(sandboxliquid.WithToken(sandboxliquid.DefaultTokenID, secret)))
		secretNote = "$" + liquid.SecretEnvVar
	}
	sb, err := sandbox.Start(addr, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitFailed
	}
	defer sb.Close()
	fmt.Fprintln(stdout, sb.URL)
	fmt.Fprintf(stderr, "Sandbox QEX partner API at %s (public API key %s).\n", sb.URL, sandbox.DefaultPublicAPIKey)
	fmt.Fprintf(stderr, "Sandbox Liquid exchange API at %s%s (token id %s, token secret %s).\nPress Ctrl+C to stop.\n", sb.URL, sandbox.LiquidPath, sandboxliquid.DefaultTokenID, secretNote)
	<-ctx.Done()
	return exitOK
}
