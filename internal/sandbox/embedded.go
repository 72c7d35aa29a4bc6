package sandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// Embedded is the sandbox the app runs in its own process: started on
// first use, on a free loopback port, keeping its state in a folder and
// the master key its secrets are derived from in the keychain, so sessions
// and OAuth requests outlive the process as they would on real servers.
// Without a keychain it still works, forgetting everything at exit.
type Embedded struct {
	keychain  *keychain.Keychain
	dir       string
	emulators []Emulator
	opts      []Option
	scenario  *scenario.Switch // shared with the sandbox once it starts

	once sync.Once
	srv  *Server
	err  error
}

// masterKeyEntry names the keychain entry of the master key.
const masterKeyEntry = "sandbox master key"

// NewEmbedded returns an embedded sandbox of emulators keeping its state in
// dir, with opts (a shorter token lifetime, say).
func NewEmbedded(kc *keychain.Keychain, dir string, emulators []Emulator, opts ...Option) *Embedded {
	return &Embedded{keychain: kc, dir: dir, emulators: emulators, opts: opts, scenario: scenario.NewSwitch(scenario.Normal)}
}

// SetScenario makes n the active scenario, now or from when the sandbox
// starts.
func (e *Embedded) SetScenario(n scenario.Name) { e.scenario.Set(n) }

// Scenario is the active scenario.
func (e *Embedded) Scenario() scenario.Name { return e.scenario.Active() }

// start starts the sandbox on first use.
func (e *Embedded) start() (*Server, error) {
	e.once.Do(func() {
		opts := append([]Option{WithScenarios(e.scenario)}, e.opts...)
		if key, err := e.masterKey(); err == nil {
			opts = append([]Option{WithPersistence(filepath.Join(e.dir, "sandbox-state.json"), key)}, opts...)
		}
		e.srv, e.err = Start("127.0.0.1:0", e.emulators, opts...)
	})
	return e.srv, e.err
}

// URL implements flows.Sandbox: it starts the sandbox on first use and
// returns where provider's emulator is served.
func (e *Embedded) URL(provider string) (string, error) {
	srv, err := e.start()
	if err != nil {
		return "", err
	}
	return srv.ProviderURL(provider)
}

// Inputs implements flows.Sandbox, starting the sandbox if need be.
func (e *Embedded) Inputs(provider string) flows.Inputs {
	if srv, err := e.start(); err == nil {
		return srv.Inputs(provider)
	}
	return nil
}

// Close stops the sandbox if it was started.
func (e *Embedded) Close() {
	if e.srv != nil {
		e.srv.Close()
	}
}

// masterKey reads the key from the keychain, creating it the first time.
func (e *Embedded) masterKey() ([]byte, error) {
	if e.keychain == nil {
		return nil, errors.New("no keychain")
	}
	stored, err := e.keychain.Get(masterKeyEntry)
	if errors.Is(err, keychain.ErrNotFound) {
		key := make([]byte, 32)
		rand.Read(key)
		stored = hex.EncodeToString(key)
		err = e.keychain.Set(masterKeyEntry, stored)
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(stored)
}

// Serve serves emulators on the loopback addr until ctx ends, printing the
// base URL on stdout (for scripts) and, on stderr, where each provider's
// emulator is and the inputs it accepts. A secret input is never printed:
// the person may choose it with the variable its field names (getenv),
// and it is random otherwise.
func Serve(ctx context.Context, addr string, emulators []Emulator, providers []flows.ProviderInfo, getenv func(string) string, opts []Option, stdout, stderr io.Writer) error {
	chosen := map[string]flows.Inputs{}
	choose := func(provider string, fields []flows.Field) {
		for _, f := range fields {
			if v := getenv(f.EnvVar); f.Secret && f.EnvVar != "" && v != "" {
				if chosen[provider] == nil {
					chosen[provider] = flows.Inputs{}
				}
				chosen[provider][f.Name] = v
			}
		}
	}
	for _, info := range providers {
		choose(info.Name, info.Fields)
	}
	for _, e := range emulators {
		choose(e.Provider(), backendFields(e))
	}
	sb, err := Start(addr, emulators, append(opts, WithChosen(chosen))...)
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintln(stdout, sb.URL)
	for _, e := range emulators {
		url, _ := sb.ProviderURL(e.Provider())
		fmt.Fprintf(stderr, "Sandbox %s at %s%s.\n", e.Description(), url, describeInputs(providers, e.Provider(), backendFields(e), sb.Inputs(e.Provider()), chosen[e.Provider()]))
	}
	active, _ := scenario.Lookup(string(sb.Scenarios().Active()))
	fmt.Fprintf(stderr, "Scenario: %s — %s\n", active.Name, active.Summary)
	fmt.Fprintln(stderr, "Press Ctrl+C to stop.")
	<-ctx.Done()
	return nil
}

// BackendEmulator is an emulator whose server shares inputs with the
// partner's backend, never with the app (EXchange's client id and secret,
// which only a token broker holds): shown in --serve-sandbox's banner, the
// secret chosen from its Field.EnvVar (random otherwise), the rest their
// Default.
type BackendEmulator interface {
	BackendFields() []flows.Field
}

func backendFields(e Emulator) []flows.Field {
	if b, ok := e.(BackendEmulator); ok {
		return b.BackendFields()
	}
	return nil
}

// describeInputs lists, for the banner, the inputs provider's emulator
// accepts: " (client id X, client secret $VAR)"; "" with none.
func describeInputs(providers []flows.ProviderInfo, provider string, backend []flows.Field, inputs, chosen flows.Inputs) string {
	var parts []string
	describe := func(f flows.Field, value string) {
		switch {
		case f.Secret && chosen[f.Name] != "":
			parts = append(parts, inSentence(f.Label)+" $"+f.EnvVar)
		case f.Secret && value != "":
			parts = append(parts, inSentence(f.Label)+" random: set $"+f.EnvVar+" before starting to choose it")
		case !f.Secret && value != "":
			parts = append(parts, inSentence(f.Label)+" "+value)
		}
	}
	for _, info := range providers {
		if info.Name != provider {
			continue
		}
		for _, f := range info.Fields {
			describe(f, inputs[f.Name])
		}
	}
	for _, f := range backend {
		describe(f, cmp.Or(f.Default, "random"))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// inSentence writes a label inside a sentence: "Client id" becomes
// "client id"; an acronym ("API key") stays as it is.
func inSentence(label string) string {
	if len(label) > 1 && unicode.IsUpper(rune(label[0])) && unicode.IsLower(rune(label[1])) {
		return strings.ToLower(label[:1]) + label[1:]
	}
	return label
}
