//go:build linux

package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
)

func TestBrokerOnPostgreSQL(t *testing.T) {
	dsn, dataDir := brokertest.StartPostgres(t)
	store := open(t, dsn)
	h := brokertest.NewHarness(t, store, nil)
	brokertest.Suite(t, h)

	t.Run("two brokers on one database", func(t *testing.T) {
		// Two brokers with their own connections, as two processes have.
		other := brokertest.NewHarness(t, open(t, dsn), func(c *broker.Config) { c.ExchangeBase = h.Fake.URL; c.Arrived = h.Line.Arrived })
		_, g := h.SignIn()
		const n = 20
		allIn := h.Line.Expect(n)
		h.Fake.Hold(allIn)
		defer h.Fake.Hold(nil)
		callsBefore, _ := h.Fake.Counts()
		answers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = brokertest.Refresh(t, []string{h.URL, other.URL}[i%2], g) })
		}
		wg.Wait()
		calls, reused := h.Fake.Counts()
		if calls-callsBefore != 1 || reused != 0 {
			t.Errorf("%d refreshes through two brokers made %d EXchange calls, %d with a rotated-away refresh token; want 1 and 0", n, calls-callsBefore, reused)
		}
		for i, tok := range answers {
			if tok != answers[0] || !slices.Contains(h.Fake.Issued(), tok) {
				t.Errorf("refresh %d answered another token than refresh 0", i)
			}
		}
		brokertest.Refresh(t, other.URL, g)
		brokertest.Refresh(t, h.URL, g)
		if status, _, _ := brokertest.Call(t, h.URL, "/v1/revoke", g.Body()); status != 204 {
			t.Errorf("revoke through broker 1: %d", status)
		}
		if status, _, _ := brokertest.Call(t, other.URL, "/v1/refresh", g.Body()); status != 401 {
			t.Errorf("refresh through broker 2 after a revoke through broker 1: %d", status)
		}
	})

	// Everything PostgreSQL wrote, tables and write-ahead log alike.
	if err := store.Exec(context.Background(), "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	brokertest.AssertNoSecretsInDir(t, dataDir, h.SecretsHandedOut())
	brokertest.AssertNoSecretsIn(t, "the broker's log", []byte(h.Logs.String()), h.SecretsHandedOut())
}
