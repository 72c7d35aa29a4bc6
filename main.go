// QEX Companion connects a person's account to a partner through five
// authorization systems (providers), QEX partner sessions first: it has the
// user approve access in a browser, shows what the provider returns and,
// for QEX, emits the widget identity configuration. This file only wires
// the parts: the providers, the flows engine, the window (ui), the terminal
// front end (headless) and the embedded sandbox.
package main

import (
	// Fixes the environment before Fyne reads the locale; Go initialises it
	// before Fyne by import path and dependencies, not by this line (see the package).
	_ "github.com/qexcompanion/qex-companion/internal/clocale"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/appid"
	"github.com/qexcompanion/qex-companion/internal/cli"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
	"github.com/qexcompanion/qex-companion/internal/fynelog"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/instance"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/quitguard"
	"github.com/qexcompanion/qex-companion/internal/register"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/ui"
)

// The systems the app speaks, the default first: each one's client and
// emulator, read from the one list of them when used.
func providerClients() []flows.Provider { return providers.Clients(providers.All) }
func emulators() []sandbox.Emulator     { return providers.Emulators(providers.All) }

// tokenLifetimeVar shortens the sandbox's access tokens (e.g. 2m), so
// refreshes can be watched in minutes.
const tokenLifetimeVar = "QEX_SANDBOX_TOKEN_LIFETIME"

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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := cli.Parse(args, providerClients(), sandbox.PublicInputs(emulators()), inapplicableScenario, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "qex-companion: %v (run with -h for help)\n", err)
		return exitBadArgs
	}
	switch {
	case o.ServeSandbox != "":
		var opts []sandbox.Option
		if opts, err = sandboxOptions(); err == nil {
			if o.Scenario != "" {
				opts = append(opts, sandbox.WithScenarios(scenario.NewSwitch(scenario.Name(o.Scenario))))
			}
			err = sandbox.Serve(ctx, o.ServeSandbox, emulators(), providers.Infos(providers.All), os.Getenv, opts, stdout, stderr)
		}
	case o.Register || o.Unregister:
		err = cli.RegisterScheme(o.Register, stderr)
	default:
		err = runApp(ctx, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "qex-companion: %v\n", err)
		// A missing or wrong input found by a provider (a secret only the
		// environment gives) is bad usage too.
		if errors.As(err, new(cli.UsageError)) || errors.As(err, new(*flows.FieldError)) {
			return exitBadArgs
		}
		return exitFailed
	}
	return exitOK
}

// parts are the app's pieces, wired.
type parts struct {
	settings    *settings.File
	keychain    *keychain.Keychain
	sandbox     *sandbox.Embedded
	router      *deeplink.Router
	engine      *flows.Engine
	storageNote msg.Message // said once, in the terminal and the window
}

func wire(o cli.Options, stderr io.Writer) (*parts, error) {
	settingsPath, err := settings.DefaultPath()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(settingsPath)
	p := &parts{settings: settings.Open(settingsPath), router: deeplink.NewRouter(nil)}
	if o.Insecure {
		backend := keychain.NewFileBackend(filepath.Join(dir, "insecure-secrets.json"))
		p.keychain = keychain.New(backend)
		p.storageNote = msg.InsecureStorage.New(msg.Args{"Path": backend.Path()})
		fmt.Fprintf(stderr, "Warning: %s.\n", p.storageNote)
	} else {
		p.keychain = keychain.New(keychain.System())
	}
	opts, err := sandboxOptions()
	if err != nil {
		return nil, err
	}
	p.sandbox = sandbox.NewEmbedded(p.keychain, dir, emulators(), opts...)
	if o.Scenario != "" {
		p.sandbox.SetScenario(scenario.Name(o.Scenario))
	}
	receivers := map[string]flows.ReceiverFactory{
		flows.CallbackLoopback: flows.Loopback,
		flows.CallbackDeepLink: p.router.Listen,
		flows.CallbackNone:     nil,
	}
	p.engine = flows.NewEngine(flows.EngineConfig{
		Providers:   providerClients(),
		Sandbox:     p.sandbox,
		OpenBrowser: o.Browser(),
		Receiver:    receivers[o.Callback], // the default when a target names none
		Receivers:   receivers,
		Timeout:     o.Timeout,
		OutFile:     o.OutFile,
		Sessions:    sessions.New(p.keychain, p.settings),
		NoResume:    o.NoResume,
		Secrets:     p.keychain,
	})
	return p, nil
}

// sandboxOptions are the sandbox settings from the environment.
func sandboxOptions() ([]sandbox.Option, error) {
	v := os.Getenv(tokenLifetimeVar)
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 10*time.Second {
		return nil, cli.UsageError(fmt.Sprintf("$%s=%q: give a duration of at least 10s, e.g. 2m", tokenLifetimeVar, v))
	}
	return []sandbox.Option{sandbox.WithTokenLifetime(d)}, nil
}

func (p *parts) close() {
	p.engine.Close()
	p.sandbox.Close()
}

// runApp runs the window or the terminal session, as the one running copy
// when it needs to receive links; a later copy hands its link over, or
// brings the window to the front, and exits.
func runApp(ctx context.Context, o cli.Options, stdout, stderr io.Writer) error {
	p, err := wire(o, stderr)
	if err != nil {
		return err
	}
	// The cleanup is the guard's, so that it runs once whether this
	// returns or the guard ends a window whose quit stalled in Fyne.
	guard := quitguard.New(quitguard.Grace, stderr, func() { os.Exit(exitOK) })
	defer guard.Cleanup()
	guard.Defer(p.close)
	if o.SignOut {
		return headless.SignOut(ctx, p.engine, o.Target(), stderr)
	}
	var primary *instance.Primary
	if !o.Headless || o.Callback == flows.CallbackDeepLink || o.Link != "" {
		dir, err := instance.DefaultDir()
		if err == nil {
			var done bool
			primary, done, err = instance.Claim(dir, instance.Handler{OpenURL: p.router.Deliver}, instance.Launch{Link: o.Link, Window: !o.Headless}, stderr)
			if done {
				return nil
			}
		}
		switch {
		case err != nil && o.Headless:
			return err
		case err != nil:
			fmt.Fprintf(stderr, "Warning: %v; links from the browser and a second launch will not reach this window.\n", err)
		default:
			guard.Defer(func() { primary.Close() }) //nolint:errcheck // as a deferred Close: nothing to do about it at exit
		}
	}
	if o.Headless {
		return runHeadless(ctx, p, primary, o, stdout, stderr)
	}
	if err := cli.CheckDisplay(); err != nil {
		return err
	}
	return runWindow(ctx, p, primary, o, guard)
}

// runHeadless runs the provider's flow in the terminal.
func runHeadless(ctx context.Context, p *parts, primary *instance.Primary, o cli.Options, stdout, stderr io.Writer) error {
	notes := func(note msg.Message) { fmt.Fprintf(stderr, "  Note: %s.\n", note) }
	p.router.SetIdle(notes)
	if primary != nil {
		primary.SetHandler(instance.Handler{OpenURL: p.router.Deliver, Rejected: notes})
	}
	if o.Link != "" {
		p.router.Deliver(o.Link) // nothing can be waiting yet: says so
		return errors.New("nothing was waiting for the link; start the flow first, with --callback deeplink")
	}
	method, pathQuery, _ := cli.SplitCall(o.Call)
	var body []byte
	if o.Data != "" {
		body = []byte(o.Data)
	}
	return headless.Main(ctx, p.engine, headless.Options{
		Target:       o.Target(),
		ToStdout:     o.OutFile == "" && o.Call == "",
		ResultToFile: o.OutFile != "",
		Method:       method, PathQuery: pathQuery, Body: body,
		Widget: o.Widget,
		Open:   o.Browser(),
	}, stdout, stderr)
}

// inapplicableScenario says why a sandbox scenario cannot happen for a
// provider, or is zero when it can.
func inapplicableScenario(provider, name string) msg.Message {
	return sandbox.InapplicableScenario(emulators(), provider, scenario.Name(name))
}

// sandboxScenarios are the embedded sandbox's scenarios, for the window's
// picker.
func sandboxScenarios(sb *sandbox.Embedded) *ui.SandboxScenarios {
	s := &ui.SandboxScenarios{
		Names:        scenario.Names(),
		Summaries:    map[string]string{},
		Active:       string(sb.Scenario()),
		Set:          func(name string) { sb.SetScenario(scenario.Name(name)) },
		Inapplicable: inapplicableScenario,
	}
	for _, sc := range scenario.All {
		s.Summaries[string(sc.Name)] = sc.Summary
	}
	return s
}

// runWindow runs the app's window until it is closed or ctx ends; guard
// ends the process if Fyne's shutdown then stalls.
func runWindow(ctx context.Context, p *parts, primary *instance.Primary, o cli.Options, guard *quitguard.Guard) error {
	saved, loadErr := p.settings.Load()
	target := o.Target()
	// Flags win; otherwise the window opens where the user left it.
	if last, ok := sessions.LastTarget(saved, p.engine.Info("")); ok && !o.Set["provider"] && !o.Set["env"] && !o.Set["api-base"] && len(o.Fields) == 0 {
		target = last
	}
	target.Callback = o.Callback
	if !o.Set["callback"] && saved.Callback != "" {
		target.Callback = saved.Callback
	}
	var notes []msg.Message
	if err := ui.UseLanguage(saved.Language); err != nil {
		notes = append(notes, msg.NoTranslations.New(msg.Args{"Err": err}))
	}
	a := app.NewWithID(appid.ID)
	a.Settings().SetTheme(ui.Theme()) // visible focus, legible underscores in JSON
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	if loadErr != nil {
		notes = append(notes, msg.FromError(loadErr))
	}
	if !p.storageNote.IsZero() {
		notes = append(notes, p.storageNote)
	}
	mw := ui.OpenMainWindow(a, p.engine, ui.Options{
		Target:        target,
		SandboxInputs: sandbox.PublicInputs(emulators()),
		AutoConnect:   o.Connect,
		Notes:         notes,
		WindowSize:    fyne.NewSize(saved.WindowWidth, saved.WindowHeight),
		Remember: func(t flows.Target, size fyne.Size) {
			p.settings.Update(func(s *settings.Settings) { //nolint:errcheck // losing a preference is not worth a dialog
				sessions.RememberTarget(s, t, p.engine.Info(t.Provider))
				s.WindowWidth, s.WindowHeight = size.Width, size.Height
			})
		},
		Language: saved.Language,
		SetLanguage: func(code string) error {
			return p.settings.Update(func(s *settings.Settings) { s.Language = code })
		},
		Scheme:    register.System{},
		Scenarios: sandboxScenarios(p.sandbox),
		Quitting:  guard.Quitting, // Ctrl+C, SIGTERM (which Fyne's own handler also catches), the window closed
	})
	p.router.SetIdle(mw.Notify)
	if primary != nil {
		primary.SetHandler(instance.Handler{OpenURL: p.router.Deliver, Raise: mw.Raise, Rejected: mw.Log})
	}
	go register.AtFirstRunLogged(mw.Log)
	if o.Link != "" {
		p.router.Deliver(o.Link) // launched by a link, with no flow yet: says so
	}
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal that started the app
		mw.Quit()
	}()
	// Laying out the first screen leaves tens of MiB of garbage, more in
	// Japanese: Fyne shapes every measured string with a new HarfBuzz font
	// (fyne-io/fyne#6232). Give it back once the window is up instead of
	// keeping it as heap headroom for as long as the window stays open.
	a.Lifecycle().SetOnStarted(func() { time.AfterFunc(time.Second, debug.FreeOSMemory) })
	quiet := fynelog.NewQuitFilter(log.Writer())
	log.SetOutput(quiet)
	a.Lifecycle().SetOnStopped(quiet.Stopping) // runs before Fyne saves its preferences
	mw.Window().ShowAndRun()
	guard.Finished()
	return nil
}
