package flows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// collect gathers an engine's events on a channel.
func collect() (func(flows.Event), <-chan flows.Event) {
	ch := make(chan flows.Event, 256)
	return func(e flows.Event) { ch <- e }, ch
}

// until reads events until one of type T arrives.
func until[T flows.Event](t *testing.T, ch <-chan flows.Event) T {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-ch:
			if got, ok := e.(T); ok {
				return got
			}
			if f, ok := e.(flows.Failed); ok {
				var zero T
				if _, wantFailed := any(zero).(flows.Failed); !wantFailed {
					t.Fatalf("flow failed: %v", f.Err)
				}
			}
		case <-timeout:
			var zero T
			t.Fatalf("no %T event", zero)
		}
	}
}

func TestEngineStartsTheSandboxOnceAndWritesOutFile(t *testing.T) {
	starts := 0
	sb := startSandbox(t)
	out := filepath.Join(t.TempDir(), "cfg.json")
	engine := flows.NewEngine(flows.EngineConfig{
		StartSandbox: func() (string, error) { starts++; return sb.URL, nil },
		Receiver:     flows.Loopback,
		OpenBrowser: func(u string) error {
			go testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{})
			return nil
		},
		OutFile: out,
	})
	for range 2 {
		emit, events := collect()
		engine.Connect(flows.Target{Env: flows.EnvSandbox, PublicAPIKey: sandbox.DefaultPublicAPIKey}, emit)
		written := until[flows.ConfigWritten](t, events)
		if written.Err != nil || written.Path != out {
			t.Fatalf("written %+v", written)
		}
	}
	if starts != 1 {
		t.Errorf("sandbox started %d times", starts)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("out file: %v %v", st, err)
	}

	emit, events := collect()
	engine.Refresh(emit)
	if got := until[flows.BalancesFetched](t, events); len(got.Accounts.All()) == 0 {
		t.Error("refresh fetched nothing")
	}
}

func TestEngineRefusesBadTargetsWithoutSending(t *testing.T) {
	engine := flows.NewEngine(flows.EngineConfig{StartSandbox: func() (string, error) {
		t.Error("the sandbox was started for a bad target")
		return "", errors.New("no")
	}})
	emit, events := collect()
	engine.Connect(flows.Target{Env: flows.EnvSandbox, PublicAPIKey: "sk_nope_123"}, emit)
	if f := until[flows.Failed](t, events); !strings.Contains(f.Err.Error(), "not a public API key") {
		t.Errorf("err %v", f.Err)
	}
	engine.Refresh(emit)
	if f := until[flows.RefreshFailed](t, events); f.Err.Error() != "not connected: connect first" {
		t.Errorf("refresh before connect: %v", f.Err)
	}
}

func TestEngineReportsSandboxStartFailure(t *testing.T) {
	engine := flows.NewEngine(flows.EngineConfig{StartSandbox: func() (string, error) {
		return "", errors.New("cannot start the sandbox on 127.0.0.1:0: no ports")
	}})
	emit, events := collect()
	engine.Connect(flows.Target{Env: flows.EnvSandbox, PublicAPIKey: sandbox.DefaultPublicAPIKey}, emit)
	if f := until[flows.Failed](t, events); !strings.Contains(f.Err.Error(), "no ports") {
		t.Errorf("err %v", f.Err)
	}
}

func TestTargetCheck(t *testing.T) {
	good := []flows.Target{
		{Env: flows.EnvSandbox, PublicAPIKey: "pk_sandbox_12345678"},
		{Env: flows.EnvProduction, PublicAPIKey: "pk_live_12345678"},
		{Env: flows.EnvCustom, APIBase: "https://partners.example", PublicAPIKey: " pk_x_12345678 "},
	}
	for _, tg := range good {
		if err := tg.Check(); err != nil {
			t.Errorf("%+v: %v", tg, err)
		}
	}
	bad := []flows.Target{
		{Env: "staging", PublicAPIKey: "pk_12345678"},
		{Env: flows.EnvCustom, PublicAPIKey: "pk_12345678"},
		{Env: flows.EnvCustom, APIBase: "ftp://x", PublicAPIKey: "pk_12345678"},
		{Env: flows.EnvSandbox, PublicAPIKey: "pk_"},
		{Env: flows.EnvSandbox},
	}
	for _, tg := range bad {
		if err := tg.Check(); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v", tg, err)
		}
	}
}
