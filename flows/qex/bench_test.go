package qex_test

import (
	"context"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// BenchmarkQEXFlow measures one whole flow through the engine against the
// embedded sandbox: session, loopback receiver, a scripted approval,
// balances, configuration.
// It is the app's own cost; a person's time in the browser is not in it.
func BenchmarkQEXFlow(b *testing.B) {
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	engine := flows.NewEngine(flows.EngineConfig{
		Providers: []flows.Provider{qex.Provider{}},
		Receiver:  flows.Loopback,
		PollMin:   time.Hour, PollMax: time.Hour,
		OpenBrowser: func(u string) error {
			go testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{})
			return nil
		},
	})
	target := flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: sb.URL, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}}
	for b.Loop() {
		if _, err := engine.Run(context.Background(), target, func(flows.Event) {}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	client, _ := qex.NewClient("http://127.0.0.1:1")
	cred := qex.Credentials{SessionID: "3f1c2a7e-2b9d-4e60-8c41-9a7d3e2f1b08", SessionSecret: "5f3c1a7e-2b9d-4e60-8c41-9a7d3e2f1b08"}
	for b.Loop() {
		if _, err := client.Sign(cred, "/api/v1/session/3f1c2a7e-2b9d-4e60-8c41-9a7d3e2f1b08/accounts"); err != nil {
			b.Fatal(err)
		}
	}
}
