package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
	"github.com/qexcompanion/qex-companion/internal/broker/sqlstore"
)

func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func TestBrokerOnSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	store := open(t, "sqlite:"+filepath.Join(dir, "broker.db"))
	h := brokertest.NewHarness(t, store, nil)
	brokertest.Suite(t, h)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "broker.db")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the database file: %v, %v; want mode 0600", info.Mode(), err)
	}
	brokertest.AssertNoSecretsInDir(t, dir, h.SecretsHandedOut())
	brokertest.AssertNoSecretsIn(t, "the broker's log", []byte(h.Logs.String()), h.SecretsHandedOut())
}

func TestRateLimitCountsAcrossBrokers(t *testing.T) {
	store := open(t, "sqlite:"+filepath.Join(t.TempDir(), "broker.db"))
	a := brokertest.NewHarness(t, store, func(c *broker.Config) { c.RateLimit = 4 })
	b := brokertest.NewHarness(t, store, func(c *broker.Config) { c.RateLimit = 4; c.ExchangeBase = a.Fake.URL })
	_, g := a.SignIn()
	for i := range 4 {
		brokertest.Refresh(t, []string{a.URL, b.URL}[i%2], g)
	}
	for _, h := range []*brokertest.Harness{a, b} {
		if status, _, _ := brokertest.Call(t, h.URL, "/v1/refresh", g.Body()); status != 429 {
			t.Errorf("the 5th refresh in a minute: %d, want 429", status)
		}
	}
}
