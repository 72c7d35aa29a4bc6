package flows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// fakeSandbox is a flows.Sandbox serving a QEX sandbox started by the test.
type fakeSandbox struct {
	url    func(provider string) (string, error)
	inputs flows.Inputs

	mu    sync.Mutex
	asked []string // the providers whose inputs were asked for
}

func (s *fakeSandbox) URL(provider string) (string, error) { return s.url(provider) }

func (s *fakeSandbox) Inputs(provider string) flows.Inputs {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, provider)
	return s.inputs
}

func servedBy(sb *sandbox.Server) *fakeSandbox {
	return &fakeSandbox{
		url:    sb.ProviderURL,
		inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey},
	}
}

func approving(u string) error {
	go testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{})
	return nil
}

var providers = []flows.Provider{qex.Provider{}, liquid.Provider{}}

func TestEngineConnectsToTheSandboxWithItsInputsAndWritesOutFile(t *testing.T) {
	sb := flowtest.StartSandbox(t)
	fake := servedBy(sb)
	out := filepath.Join(t.TempDir(), "cfg.json")
	engine := flows.NewEngine(flows.EngineConfig{
		Providers:   providers,
		Sandbox:     fake,
		Receiver:    flows.Loopback,
		OpenBrowser: approving,
		OutFile:     out,
	})
	// No key typed: the sandbox's own is used.
	emit, events := flowtest.Collect()
	engine.Connect(flows.Target{Env: flows.EnvSandbox}, emit)
	res := flowtest.Until[flows.ResultReady](t, events).Result
	if res.Widget.Config.PublicAPIKey != qexsandbox.DefaultPublicAPIKey {
		t.Errorf("connected with key %q", res.Widget.Config.PublicAPIKey)
	}
	if written := flowtest.Until[flows.ConfigWritten](t, events); written.Err != nil || written.Path != out {
		t.Fatalf("written %+v", written)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != string(res.Output) {
		t.Errorf("out file holds %q, %v", got, err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("out file: %v %v", st, err)
	}
	fake.mu.Lock()
	if len(fake.asked) == 0 || fake.asked[0] != "qex" {
		t.Errorf("sandbox inputs asked for %v", fake.asked)
	}
	fake.mu.Unlock()

	engine.Refresh(emit)
	if got := flowtest.Until[flows.BalancesFetched](t, events); len(got.Balances.Accounts) == 0 {
		t.Error("refresh fetched nothing")
	}
}

func TestEngineRefusesBadTargetsWithoutSending(t *testing.T) {
	engine := flows.NewEngine(flows.EngineConfig{Providers: providers, Sandbox: &fakeSandbox{url: func(string) (string, error) {
		t.Error("the sandbox was started for a bad target")
		return "", errors.New("no")
	}}})
	emit, events := flowtest.Collect()
	engine.Connect(flows.Target{Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "sk_nope_123"}}, emit)
	if f := flowtest.Until[flows.Failed](t, events); !strings.Contains(f.Err.Error(), "not the public one") {
		t.Errorf("err %v", f.Err)
	}
	engine.Refresh(emit)
	if f := flowtest.Until[flows.RefreshFailed](t, events); f.Err.Error() != "not connected: connect first" {
		t.Errorf("refresh before connect: %v", f.Err)
	}
}

func TestEngineReportsSandboxStartFailure(t *testing.T) {
	engine := flows.NewEngine(flows.EngineConfig{Providers: providers, Sandbox: &fakeSandbox{url: func(string) (string, error) {
		return "", errors.New("cannot start the sandbox on 127.0.0.1:0: no ports")
	}}})
	emit, events := flowtest.Collect()
	engine.Connect(flows.Target{Env: flows.EnvSandbox}, emit)
	if f := flowtest.Until[flows.Failed](t, events); !strings.Contains(f.Err.Error(), "no ports") {
		t.Errorf("err %v", f.Err)
	}
}

func TestEngineCheck(t *testing.T) {
	engine := flows.NewEngine(flows.EngineConfig{Providers: providers})
	good := []flows.Target{
		{Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_sandbox_12345678"}},
		{Provider: "qex", Env: flows.EnvProduction, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_live_12345678"}},
		{Env: flows.EnvCustom, APIBase: "https://partners.example", Inputs: flows.Inputs{qex.FieldPublicAPIKey: " pk_x_12345678 "}},
		{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "123456", liquid.FieldTokenSecret: "s3cr3t"}},
	}
	for _, tg := range good {
		if err := engine.Check(tg); err != nil {
			t.Errorf("%+v: %v", tg, err)
		}
	}
	for field, tg := range map[string][]flows.Target{
		"provider": {{Provider: "kraken", Env: flows.EnvSandbox}},
		"env":      {{Env: "staging", Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_12345678"}}},
		"api-base": {
			{Env: flows.EnvCustom, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_12345678"}},
			{Env: flows.EnvCustom, APIBase: "ftp://x", Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_12345678"}},
		},
		qex.FieldPublicAPIKey: {
			{Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_"}},
			{Env: flows.EnvSandbox}, // no sandbox to fill it in
		},
		liquid.FieldTokenID: {{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "12 34", liquid.FieldTokenSecret: "s"}}},
		liquid.FieldTokenSecret: {
			{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "1234"}},
			{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "1234", liquid.FieldTokenSecret: "two\nlines"}},
		},
	} {
		for _, tg := range tg {
			err := engine.Check(tg)
			var fieldErr *flows.FieldError
			if !errors.As(err, &fieldErr) || fieldErr.Field != field || strings.Contains(err.Error(), "\n") {
				t.Errorf("%+v: %v, want a one-line error about %s", tg, err, field)
			}
		}
	}
	if err := engine.Check(flows.Target{Provider: "kraken", Env: flows.EnvSandbox}); err == nil || err.Error() != `unknown provider "kraken": choose qex, liquid` {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestSessionKeyNamesProviderAndAccount(t *testing.T) {
	e := flows.NewEngine(flows.EngineConfig{Providers: providers})
	for _, tc := range []struct {
		target flows.Target
		field  string
	}{
		{flows.Target{Provider: "qex", Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_sandbox_12345678"}}, qex.FieldPublicAPIKey},
		{flows.Target{Provider: "qex", Env: flows.EnvProduction, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_live_12345678"}}, qex.FieldPublicAPIKey},
		{flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: "https://partners.example", Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_x_12345678"}}, qex.FieldPublicAPIKey},
		{flows.Target{Provider: "qex", Env: flows.EnvSandbox, APIBase: "http://127.0.0.1:8080", Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_sandbox_12345678"}}, qex.FieldPublicAPIKey},
		{flows.Target{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "123456"}}, liquid.FieldTokenID},
		// A production session behind a proxy resumes behind the proxy.
		{flows.Target{Provider: "qex", Env: flows.EnvProduction, APIBase: "https://proxy.example", Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_live_12345678"}}, qex.FieldPublicAPIKey},
	} {
		info := map[string]flows.ProviderInfo{"qex": qex.Provider{}.Info(), "liquid": liquid.Provider{}.Info()}[tc.target.Provider]
		if got := e.SessionKey(tc.target).Target(info); !reflect.DeepEqual(got, tc.target) {
			t.Errorf("SessionKey(%+v).Target() = %+v", tc.target, got)
		}
	}
	// The secret is no part of the key; the provider and account are.
	withSecret := flows.Target{Provider: "liquid", Env: flows.EnvProduction, Inputs: flows.Inputs{liquid.FieldTokenID: "123456", liquid.FieldTokenSecret: "s3cr3t"}}
	if k := e.SessionKey(withSecret); k != (flows.SessionKey{Provider: "liquid", Env: flows.EnvProduction, APIBase: liquid.ProductionBaseURL, Account: "123456"}) {
		t.Errorf("liquid key %+v", k)
	}
	qexKey := e.SessionKey(flows.Target{Env: flows.EnvProduction, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_live_12345678"}})
	if qexKey != (flows.SessionKey{Provider: "qex", Env: flows.EnvProduction, APIBase: qex.ProductionBaseURL, Account: "pk_live_12345678"}) {
		t.Errorf("qex key %+v", qexKey)
	}
	other := e.SessionKey(flows.Target{Env: flows.EnvProduction, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_live_87654321"}})
	if other == qexKey {
		t.Error("two accounts share a key")
	}
}
