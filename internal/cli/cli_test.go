package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/oauth2"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/cli"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	liquidsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
)

var (
	providers     = []flows.Provider{qex.Provider{}, liquid.Provider{}}
	sandboxInputs = sandbox.PublicInputs([]sandbox.Emulator{qexsandbox.Emulator(), liquidsandbox.Emulator()})
)

func TestDefaultsAreTheSandboxWithItsOwnInputs(t *testing.T) {
	o, err := cli.Parse(nil, providers, sandboxInputs, nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	tg := o.Target()
	if o.Provider != "qex" || o.Timeout != 10*time.Minute || o.Callback != "loopback" ||
		tg.Env != "sandbox" || tg.APIBase != "" || tg.Inputs[qex.FieldPublicAPIKey] != qexsandbox.DefaultPublicAPIKey {
		t.Errorf("defaults %+v, target %+v", o, tg)
	}
	o, err = cli.Parse([]string{"-env", "production", "-public-api-key", "pk_live_12345678"}, providers, sandboxInputs, nil, &bytes.Buffer{})
	if err != nil || o.Target().Inputs[qex.FieldPublicAPIKey] != "pk_live_12345678" || o.Target().Env != "production" {
		t.Errorf("production: %+v %v", o, err)
	}
}

// Secrets come from the environment only; a flag of that name does not
// exist.
func TestSecretsComeFromTheEnvironment(t *testing.T) {
	t.Setenv(liquid.SecretEnvVar, "from-the-environment")
	o, err := cli.Parse([]string{"--provider", "liquid", "--env", "production", "--token-id", "123456"}, providers, sandboxInputs, nil, &bytes.Buffer{})
	if err != nil || o.Target().Inputs[liquid.FieldTokenSecret] != "from-the-environment" {
		t.Errorf("target %+v, %v", o.Target(), err)
	}
	if _, err := cli.Parse([]string{"--provider", "liquid", "--token-secret", "s"}, providers, sandboxInputs, nil, &bytes.Buffer{}); err == nil {
		t.Error("a secret was accepted as a flag")
	}
}

// Providers may share a field name (a scope): one flag serves them all.
func TestSharedFieldNamesAreOneFlag(t *testing.T) {
	shared := []flows.Provider{qex.Provider{}, liquid.Provider{}, twin{"a"}, twin{"b"}}
	o, err := cli.Parse([]string{"--provider", "b", "--scope", "x"}, shared, sandboxInputs, nil, &bytes.Buffer{})
	if err != nil || o.Fields["scope"] != "x" {
		t.Errorf("%+v %v", o.Fields, err)
	}
}

// twin is a provider with a scope field, like oauth2 and exchange.
type twin struct{ name string }

func (p twin) Info() flows.ProviderInfo {
	return flows.ProviderInfo{Name: p.name, Title: p.name, ProductionBase: "https://x.example", Fields: []flows.Field{{Name: "scope", Label: "Scope", Optional: true}}}
}
func (twin) Authorize(context.Context, *flows.Runtime, flows.Inputs) (flows.Session, error) {
	return nil, nil
}
func (twin) Restore(context.Context, *flows.Runtime, flows.Inputs, []byte) (flows.Session, error) {
	return nil, nil
}

// -h says which values a provider's input takes and its default, so a
// newcomer need not guess them from an error.
func TestHelpShowsChoicesAndDefaults(t *testing.T) {
	var out bytes.Buffer
	_, err := cli.Parse([]string{"-h"}, []flows.Provider{oauth2.Provider{}, exchange.Provider{}}, nil, nil, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{
		"--provider oauth2: Grant: code or client_credentials (default code)",
		"--provider oauth2: Scope (default delegated:all); --provider exchange: Scope (default profile history trade)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, out.String())
		}
	}
}
