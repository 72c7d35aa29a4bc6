//go:build linux

package sqlstore_test

import (
	"context"
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
		brokertest.ConcurrentRefreshes(t, h, g, 20, h.URL, other.URL)
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
