// Package sandbox serves every provider's emulator in-process, on a
// loopback port, so the app works end to end while the production services
// do not answer. Each emulator lives in its own package and implements
// Emulator; the sandbox only mounts them, each under its Path, and lists
// them on its index page. The list of emulators is given, beside the
// providers' clients (internal/providers): the sandbox names no provider.
package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/listenaddr"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/sandbox/statefile"
	"github.com/qexcompanion/qex-companion/internal/sandbox/webpage"
)

// Emulator is one provider's emulated server, as the sandbox runs it.
type Emulator interface {
	// Provider is the flows.ProviderInfo.Name of the provider it serves.
	Provider() string
	// Path is where the sandbox mounts it, e.g. "/liquid"; "" for the root
	// (at most one emulator: its paths must not start with another's).
	Path() string
	// Description names what it emulates, for people: "the Liquid
	// exchange OAuth requests API".
	Description() string
	// PublicInputs are its built-in inputs that are not secret and are the
	// same in every sandbox, by the provider's field names: shown before
	// the sandbox starts.
	PublicInputs() flows.Inputs
	// Start builds the running emulator.
	Start(Config) (*Mounted, error)
}

// Config is what a sandbox gives an emulator it starts.
type Config struct {
	// Root is the sandbox's base URL and URL the emulator's (Root+Path).
	Root, URL string
	// State, when not nil, is where the emulator keeps what must outlive
	// the process; nil: it keeps everything in memory.
	State *State
	// TokenLifetime, when set, shortens the access tokens it issues, so
	// a refresh can be watched in minutes.
	TokenLifetime time.Duration
	// Chosen are inputs the person chose instead of the built-in ones (a
	// secret from the environment, for --serve-sandbox), by field name.
	Chosen flows.Inputs // Scenarios holds the scenario the sandbox plays (see package
	// scenario), for what an emulator plays itself (the widget's).
	Scenarios *scenario.Switch
}

// State is where emulators keep their state: files beside one another and
// the master key every secret in them derives from.
type State struct {
	prefix string // the sandbox's state file, less ".json"
	Key    []byte
}

// File is one of the emulators' state files: the sandbox's own name
// followed by suffix (".json", "-liquid.json"), keyed by the master key.
func (s *State) File(suffix string) statefile.File {
	return statefile.File{Path: s.prefix + suffix, Key: s.Key}
}

// Mounted is a running emulator.
type Mounted struct {
	// Handler serves its paths, mounted under its Path with the prefix
	// stripped.
	Handler http.Handler
	// Inputs are its built-in credentials, secret ones included, by the
	// provider's field names: filled in where a sandbox target leaves a
	// field empty.
	Inputs flows.Inputs
	// Beside are other servers it needs, by their own path (EXchange's
	// token broker); nil for most.
	Beside map[string]http.Handler
	// Scenarios is how the scenarios see it: which calls carry the access
	// or renew it, and how it words each failure; zero: it plays none.
	Scenarios scenario.Shape
}

// Option configures a Sandbox.
type Option func(*options)

type options struct {
	state         *State
	tokenLifetime time.Duration
	chosen        map[string]flows.Inputs
	scenarios     *scenario.Switch
}

// WithPersistence keeps the emulators' state across restarts, so a session
// saved by the app still works at the next launch, as it would on a real
// server. stateFile (a .json file, others are kept beside it) holds only
// what is not secret; every secret derives from masterKey, which the
// caller keeps somewhere safe (the system keychain).
func WithPersistence(stateFile string, masterKey []byte) Option {
	return func(o *options) {
		o.state = &State{prefix: strings.TrimSuffix(stateFile, ".json"), Key: masterKey}
	}
}

// WithTokenLifetime shortens the access tokens of the token providers'
// emulators, so a refresh can be watched in minutes.
func WithTokenLifetime(d time.Duration) Option {
	return func(o *options) { o.tokenLifetime = d }
}

// WithChosen gives emulators inputs the person chose instead of their
// built-in ones, by provider and field name.
func WithChosen(chosen map[string]flows.Inputs) Option {
	return func(o *options) { o.chosen = chosen }
}

// WithScenarios has the emulators play the scenario sw holds, which may
// change while they run; without it they play scenario.Normal.
func WithScenarios(sw *scenario.Switch) Option {
	return func(o *options) { o.scenarios = sw }
}

// Server is a sandbox listening on a loopback port.
type Server struct {
	// URL is the sandbox's base URL, e.g. http://127.0.0.1:41234.
	URL       string
	emulators []Emulator
	mounted   map[string]*Mounted // by provider
	scenarios *scenario.Switch
	srv       *http.Server
}

// Scenarios holds the scenario the sandbox plays.
func (s *Server) Scenarios() *scenario.Switch { return s.scenarios }

// Start serves emulators on addr, which must be a loopback address
// ("127.0.0.1:0" picks a free port). Close stops it.
func Start(addr string, emulators []Emulator, opts ...Option) (*Server, error) {
	if err := listenaddr.CheckLoopback(addr); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.scenarios == nil {
		o.scenarios = scenario.NewSwitch(scenario.Normal)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot start the sandbox on %s: %w", addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), emulators: emulators, mounted: map[string]*Mounted{}, scenarios: o.scenarios}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	for _, e := range emulators {
		m, err := e.Start(Config{Root: s.URL, URL: s.URL + e.Path(), State: o.state, TokenLifetime: o.tokenLifetime, Chosen: o.chosen[e.Provider()], Scenarios: o.scenarios})
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("the sandbox's %s could not start: %w", e.Description(), err)
		}
		s.mounted[e.Provider()] = m
		handler := m.Handler
		if m.Scenarios.Kind != nil {
			handler = o.scenarios.Wrap(m.Scenarios, handler)
		}
		mount(mux, e.Path(), handler)
		for path, h := range m.Beside {
			mount(mux, path, h)
		}
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go s.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return s, nil
}

// mount serves h under path ("" for the root) with path stripped.
func mount(mux *http.ServeMux, path string, h http.Handler) {
	if path == "" {
		mux.Handle("/", h)
		return
	}
	mux.Handle(path+"/", http.StripPrefix(path, h))
}

// Close stops the server at once.
func (s *Server) Close() error { return s.srv.Close() }

// ProviderURL is where the emulator of provider is served; an error for a
// provider the sandbox has no emulator for.
func (s *Server) ProviderURL(provider string) (string, error) {
	for _, e := range s.emulators {
		if e.Provider() == provider {
			return s.URL + e.Path(), nil
		}
	}
	return "", fmt.Errorf("the sandbox has no emulator of %q: choose a custom URL", provider)
}

// Inputs are the built-in credentials of provider's emulator, by the
// provider's field names.
func (s *Server) Inputs(provider string) flows.Inputs {
	if m := s.mounted[provider]; m != nil {
		return m.Inputs
	}
	return nil
}

// Engine returns the running server as the engine's sandbox (tests).
func (s *Server) Engine() flows.Sandbox { return running{s} }

type running struct{ *Server }

func (r running) URL(provider string) (string, error) { return r.ProviderURL(provider) }

// PublicInputs are the emulators' built-in inputs that are not secret, by
// provider: what any sandbox server accepts (the embedded one,
// --serve-sandbox), shown prefilled before the sandbox starts.
func PublicInputs(emulators []Emulator) map[string]flows.Inputs {
	all := map[string]flows.Inputs{}
	for _, e := range emulators {
		all[e.Provider()] = e.PublicInputs()
	}
	return all
}

var indexTP = webpage.Template(assets.FS, "sandbox/index.html")

// index lists what the sandbox serves, and where.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	webpage.Write(w, http.StatusOK, indexTP, "index.html", map[string]any{"Title": "QEX Companion sandbox", "Emulators": s.emulators, "Lang": acceptlang.Preferred(r)}, "")
}
