package flows_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
)

// counting is a provider whose sessions count what they are asked for.
type counting struct{ fetches, calls *atomic.Int32 }

func (counting) Info() flows.ProviderInfo {
	return flows.ProviderInfo{Name: "counting", Title: "Counting", ProductionBase: "https://counting.example"}
}
func (p counting) Authorize(context.Context, *flows.Runtime, flows.Inputs) (flows.Session, error) {
	return countingSession{p}, nil
}
func (p counting) Restore(context.Context, *flows.Runtime, flows.Inputs, []byte) (flows.Session, error) {
	return countingSession{p}, nil
}

type countingSession struct{ p counting }

func (s countingSession) Fetch(context.Context) (*flows.Result, error) {
	s.p.fetches.Add(1)
	return &flows.Result{Provider: "counting", Output: []byte("{}\n")}, nil
}
func (s countingSession) Call(context.Context, string, string, []byte) (*flows.CallResponse, error) {
	s.p.calls.Add(1)
	return &flows.CallResponse{Status: 200}, nil
}
func (countingSession) End(context.Context) error { return nil }
func (countingSession) Saved() ([]byte, error)    { return []byte(`{}`), nil }

// Open connects and saves the session as Run does, but fetches no result:
// a --call sends only the request it was asked for.
func TestOpenFetchesNothing(t *testing.T) {
	p := counting{fetches: new(atomic.Int32), calls: new(atomic.Int32)}
	store := flowtest.NewMemoryStore()
	engine := flows.NewEngine(flows.EngineConfig{Providers: []flows.Provider{p}, Sessions: store})
	target := flows.Target{Provider: "counting", Env: flows.EnvProduction}
	rec := flowtest.NewRecorder()
	if err := engine.Open(context.Background(), target, rec.Emit); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Call(context.Background(), "GET", "/accounts", nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Saved(engine.SessionKey(target)); !ok || p.fetches.Load() != 0 || p.calls.Load() != 1 || len(flowtest.Find[flows.ResultReady](rec)) != 0 {
		t.Errorf("saved %v, %d fetches, %d calls, events %v; want saved, 0, 1 and no result", ok, p.fetches.Load(), p.calls.Load(), rec.Kinds())
	}
	if _, err := engine.Run(context.Background(), target, func(flows.Event) {}); err != nil || p.fetches.Load() != 1 {
		t.Errorf("Run: %v, %d fetches", err, p.fetches.Load())
	}
}
