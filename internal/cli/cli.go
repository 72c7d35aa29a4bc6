// Package cli is the app's command line: its flags, their checks (every
// problem one line naming the flag or variable, exit code 2, before
// anything is sent) and the target they name.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
	"github.com/qexcompanion/qex-companion/internal/listenaddr"
	"github.com/qexcompanion/qex-companion/internal/register"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/webbrowser"
)

// progName names the app in messages and usage.
const progName = "qex-companion"

// options are the command line, checked.
type Options struct {
	Headless     bool
	Provider     string
	Env          string
	APIBase      string            // empty: the environment's own (the embedded sandbox for sandbox)
	Fields       map[string]string // the providers' inputs given as flags, by field name
	Call         string            // --call "METHOD /path?query"
	Data         string            // --call's JSON body
	OutFile      string
	NoBrowser    bool
	Timeout      time.Duration
	ServeSandbox string
	Scenario     string // the embedded sandbox's scenario; "" is normal
	Callback     string
	Connect      bool
	NoResume     bool
	SignOut      bool
	Insecure     bool
	Register     bool
	Unregister   bool
	Widget       bool
	Link         string          // an io.qexcompanion.app: link the system launched us with
	Set          map[string]bool // flags given on the command line

	providers     []flows.Provider        // the default first
	sandboxInputs map[string]flows.Inputs // the sandbox's public inputs, by provider
	inapplicable  func(provider, scenario string) msg.Message
}

// UsageError is bad command-line input: exit code 2.
type UsageError string

func (e UsageError) Error() string { return string(e) }

// Parse reads and checks args for the providers given (the default
// first), whose sandbox inputs that are not secret are sandboxInputs (by
// provider). -h prints the usage on stderr and returns flag.ErrHelp; bad
// input is a UsageError.
//
// inapplicable says why a sandbox scenario cannot happen for a provider
// ("" when it can).
func Parse(args []string, providers []flows.Provider, sandboxInputs map[string]flows.Inputs, inapplicable func(provider, scenario string) msg.Message, stderr io.Writer) (Options, error) {
	o := Options{Fields: map[string]string{}, providers: providers, sandboxInputs: sandboxInputs, inapplicable: inapplicable}
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line below
	fs.BoolVar(&o.Headless, "headless", false, "run the flow in the terminal, without a window")
	fs.StringVar(&o.Provider, "provider", "qex", "the authorization system: "+strings.Join(o.providerNames(), ", "))
	fs.StringVar(&o.Env, "env", "sandbox", "environment: sandbox (the embedded emulator) or production")
	fs.StringVar(&o.APIBase, "api-base", "", "the provider's API base URL, overriding the environment's (e.g. https://partners.example)")
	// One flag per field name, whichever providers share it (a scope);
	// secrets come from the environment: flags show in shell history and ps.
	var names []string
	usage := map[string][]string{}
	for _, p := range providers {
		for _, f := range p.Info().Fields {
			if f.Secret {
				continue
			}
			if usage[f.Name] == nil {
				names = append(names, f.Name)
			}
			usage[f.Name] = append(usage[f.Name], "--provider "+p.Info().Name+": "+fieldUsage(f))
		}
	}
	for _, name := range names {
		fs.Func(name, strings.Join(usage[name], "; "), func(v string) error {
			o.Fields[name] = v
			return nil
		})
	}
	fs.StringVar(&o.Call, "call", "", `headless: after connecting, send one request with the provider's authentication, e.g. "GET /accounts", and print the answer`)
	fs.StringVar(&o.Data, "data", "", "--call's JSON body")
	fs.StringVar(&o.OutFile, "out", "", "write the result (QEX: the widget configuration) to this file (mode 0600) instead of stdout")
	fs.BoolVar(&o.NoBrowser, "no-browser", false, "only print the approval URL; do not open a browser")
	fs.DurationVar(&o.Timeout, "timeout", flows.DefaultTimeout, "give up waiting for approval after this long")
	fs.StringVar(&o.ServeSandbox, "serve-sandbox", "", "only serve the sandbox partner API on this loopback ADDR (e.g. 127.0.0.1:8080)")
	fs.StringVar(&o.Scenario, "scenario", "", "the embedded sandbox's behaviour, to watch the app meet failures: "+strings.Join(scenario.Names(), ", ")+" (see the README)")
	fs.StringVar(&o.Callback, "callback", "loopback", "how the browser returns: loopback (a local port), deeplink (io.qexcompanion.app: links) or none (polling only)")
	fs.BoolVar(&o.Connect, "connect", false, "in the window, start connecting at launch")
	fs.BoolVar(&o.NoResume, "no-resume", false, "start a new session even if one is saved for this environment and key")
	fs.BoolVar(&o.SignOut, "sign-out", false, "end the saved session for this environment and key, and forget it")
	fs.BoolVar(&o.Insecure, "insecure-storage", false, "without a system keychain, keep session secrets in a private file (readable by anyone with your files)")
	fs.BoolVar(&o.Widget, "widget", false, "headless: after the flow, serve the widget page and print its events on stdout until interrupted")
	fs.BoolVar(&o.Register, "register-scheme", false, "make io.qexcompanion.app links open in this app, then exit")
	fs.BoolVar(&o.Unregister, "unregister-scheme", false, "stop io.qexcompanion.app links opening in this app, then exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			o.printUsage(fs, stderr)
			return o, err
		}
		return o, UsageError(o.secretFlag(err))
	}
	switch {
	case fs.NArg() == 1 && deeplink.LooksLikeLink(fs.Arg(0)):
		o.Link = fs.Arg(0) // how the system hands us a link
	case fs.NArg() > 0:
		return o, UsageError(fmt.Sprintf("unexpected argument %q (the only argument accepted is an %s: link)", fs.Arg(0), deeplink.Scheme))
	}
	o.Set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.Set[f.Name] = true })
	return o, o.check()
}

// minTimeout is the shortest --timeout that leaves time to approve.
const minTimeout = time.Second

func (o *Options) check() error {
	info, ok := o.providerInfo(o.Provider)
	switch {
	case !ok:
		return UsageError(fmt.Sprintf("--provider %q does not exist: choose %s", o.Provider, strings.Join(o.providerNames(), ", ")))
	case o.Set["api-base"] && strings.TrimSpace(o.APIBase) == "":
		return UsageError("--api-base is empty: give your server's URL (e.g. " + info.ProductionBase + "), or leave the flag out to use the environment's")
	case o.Register && o.Unregister:
		return UsageError("--register-scheme and --unregister-scheme go one at a time: give only one")
	case o.Widget && !o.Headless:
		return UsageError("--widget works only with --headless: in the window, use Open widget on the last step")
	case o.Widget && !info.Widget:
		return UsageError(fmt.Sprintf("--widget is for %s: --provider %s has no widget", strings.Join(o.widgetProviders(), " or "), info.Name))
	case o.Call != "" && !o.Headless:
		return UsageError("--call works only with --headless: the window will have a request console")
	case o.Data != "" && o.Call == "":
		return UsageError("--data is --call's body: give --call too")
	case o.Data != "" && !json.Valid([]byte(o.Data)):
		return UsageError("--data is not valid JSON: quote it for your shell, e.g. --data '{\"a\": 1}'")
	case o.Env != flows.EnvSandbox && o.Env != flows.EnvProduction:
		return UsageError(fmt.Sprintf("--env must be sandbox or production, not %q", o.Env))
	}
	if err := o.checkScenario(); err != nil {
		return err
	}
	for name, v := range o.Fields {
		if !hasField(info, name) {
			return UsageError(fmt.Sprintf("--%s is not an input of --provider %s (it takes %s)", name, info.Name, strings.Join(fieldSources(info), ", ")))
		}
		if v == "" {
			return UsageError(fmt.Sprintf("--%s is empty: give a value, or leave the flag out to use the sandbox's", name))
		}
	}
	if o.Call != "" {
		if _, _, err := SplitCall(o.Call); err != nil {
			return UsageError("--call: " + err.Error())
		}
	}
	if o.Headless || o.SignOut || o.Set["provider"] || o.Set["env"] || o.Set["api-base"] || len(o.Fields) > 0 {
		if err := checkTarget(*o); err != nil {
			return err
		}
	}
	if o.Timeout < minTimeout {
		return UsageError(fmt.Sprintf("--timeout %s leaves no time to approve: give at least %s, e.g. 10m", o.Timeout, minTimeout))
	}
	if o.Callback != flows.CallbackLoopback && o.Callback != flows.CallbackDeepLink && o.Callback != flows.CallbackNone {
		return UsageError(fmt.Sprintf("--callback must be loopback, deeplink or none, not %q", o.Callback))
	}
	if o.ServeSandbox != "" {
		if err := listenaddr.CheckLoopback(o.ServeSandbox); err != nil {
			return UsageError("--serve-sandbox: " + err.Error())
		}
	}
	if o.OutFile != "" {
		if err := checkOutFile(o.OutFile); err != nil {
			return UsageError(fmt.Sprintf("--out %s: %v", o.OutFile, err))
		}
	}
	return nil
}

// checkScenario: a scenario is the embedded sandbox's, and must apply to
// the provider (to some emulator, with --serve-sandbox).
func (o *Options) checkScenario() error {
	if !o.Set["scenario"] {
		return nil
	}
	if _, ok := scenario.Lookup(o.Scenario); !ok {
		return UsageError(fmt.Sprintf("--scenario %q does not exist: choose %s", o.Scenario, strings.Join(scenario.Names(), ", ")))
	}
	switch {
	case o.Env == flows.EnvProduction || o.Set["api-base"]:
		return UsageError("--scenario works only on the embedded sandbox: leave out --env production and --api-base")
	case o.ServeSandbox != "":
		return nil // each emulator it applies to plays it
	}
	if why := o.inapplicable(o.Provider, o.Scenario); !why.IsZero() {
		return UsageError(fmt.Sprintf("--scenario %s does not apply to --provider %s: %s", o.Scenario, o.Provider, why))
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

// secretFlag turns flag's "flag provided but not defined: -token-secret"
// into what to do when the flag is a secret's: use its variable.
func (o Options) secretFlag(err error) string {
	name, found := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !found {
		return err.Error()
	}
	name = strings.TrimPrefix(name, "-")
	for _, p := range o.providers {
		for _, f := range p.Info().Fields {
			if f.Secret && f.Name == name {
				return fmt.Sprintf("--%s is a secret, never a flag (shell history and ps show flags): set $%s instead", f.Name, f.EnvVar)
			}
		}
	}
	return "unknown flag --" + name
}

// SplitCall reads --call "METHOD /path?query".
func SplitCall(call string) (method, pathQuery string, err error) {
	method, pathQuery, _ = strings.Cut(strings.TrimSpace(call), " ")
	pathQuery = strings.TrimSpace(pathQuery)
	if method == "" || !strings.HasPrefix(pathQuery, "/") || strings.ContainsAny(pathQuery, " \t\r\n") {
		return "", "", fmt.Errorf("%q is not METHOD /path, e.g. \"GET /accounts\"", call)
	}
	if strings.IndexFunc(call, unicode.IsControl) >= 0 {
		return "", "", fmt.Errorf("%q holds a control character, which no URL may: percent-encode it (ESC is %%1B)", call)
	}
	return strings.ToUpper(method), pathQuery, nil
}

func (o Options) providerNames() []string {
	names := make([]string, len(o.providers))
	for i, p := range o.providers {
		names[i] = p.Info().Name
	}
	return names
}

// widgetProviders name the providers whose results carry a widget.
func (o Options) widgetProviders() []string {
	var names []string
	for _, p := range o.providers {
		if p.Info().Widget {
			names = append(names, "--provider "+p.Info().Name)
		}
	}
	return names
}

func (o Options) providerInfo(name string) (flows.ProviderInfo, bool) {
	for _, p := range o.providers {
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

// fieldUsage is what -h says of a provider's input: its label, the values
// it takes and its default, as in "Grant: code or client_credentials
// (default code)".
func fieldUsage(f flows.Field) string {
	s := f.Label
	if len(f.Choices) > 0 {
		s += ": " + strings.Join(f.Choices, " or ")
	}
	if f.Default != "" {
		s += " (default " + f.Default + ")"
	}
	return s
}

func (o Options) printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n", progName)
	fmt.Fprintln(w, "Connects a person's account to a partner through one of the providers and shows what it returns;")
	fmt.Fprintln(w, "for QEX (the default), it prints the widget identity configuration.")
	fmt.Fprintln(w, "Without --env or --api-base it runs against the embedded sandbox. Secrets come from the environment:")
	for _, p := range o.providers {
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

// RegisterScheme does --register-scheme and --unregister-scheme.
func RegisterScheme(on bool, stderr io.Writer) error {
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

// checkTarget checks the command line's target as the engine will, before
// anything is sent: a problem is bad input (exit 2), named by its flag or
// environment variable.
func checkTarget(o Options) error {
	checker := flows.NewEngine(flows.EngineConfig{Providers: o.providers, Sandbox: unstarted{}})
	err := checker.Check(o.Target())
	var fe *flows.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	source := "--" + fe.Field
	info, _ := o.providerInfo(o.Provider)
	for _, f := range info.Fields {
		if f.Name == fe.Field {
			source = fieldSource(f)
		}
	}
	return UsageError(source + ": " + fe.Err.Error())
}

// unstarted is a sandbox for Check, which only needs to know there is one.
type unstarted struct{}

func (unstarted) URL(string) (string, error) { return "", errors.New("not started") }
func (unstarted) Inputs(string) flows.Inputs { return nil }

// Browser opens URLs, unless --no-browser.
func (o Options) Browser() func(string) error {
	if o.NoBrowser {
		return nil
	}
	return webbrowser.Open
}

// Target is the command line's target: secrets come from the environment,
// and on the sandbox a missing input is the sandbox's own.
func (o Options) Target() flows.Target {
	t := flows.Target{Provider: o.Provider, Env: o.Env, APIBase: o.APIBase, Inputs: flows.Inputs{}}
	info, _ := o.providerInfo(o.Provider)
	for _, f := range info.Fields {
		switch {
		case f.Secret:
			t.Inputs[f.Name] = os.Getenv(f.EnvVar)
		case o.Fields[f.Name] != "":
			t.Inputs[f.Name] = o.Fields[f.Name]
		case o.Env == flows.EnvSandbox:
			t.Inputs[f.Name] = o.sandboxInputs[info.Name][f.Name]
		}
	}
	return t
}
