//go:build linux

package broker

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startPostgres starts a private PostgreSQL cluster (Debian's postgresql
// package, which make deps installs) in a temporary folder, listening only
// on a Unix socket there, and returns its URL and data folder. The server
// is stopped when the test ends, and dies with the test binary if that is
// killed. As root, the cluster runs as nobody: initdb refuses root.
func startPostgres(t *testing.T) (dsn, dataDir string) {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		t.Fatal("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run make deps")
	}
	slices.SortFunc(initdbs, func(a, b string) int { return majorVersion(a) - majorVersion(b) })
	bin := filepath.Dir(initdbs[len(initdbs)-1])
	dir, err := os.MkdirTemp("", "broker-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	attrs := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		attrs.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dataDir = filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr, initdb.Dir = attrs, dir
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	server := exec.Command(filepath.Join(bin, "postgres"), "-D", dataDir, "-k", dir, "-c", "listen_addresses=", "-c", "fsync=off")
	server.SysProcAttr, server.Dir, server.Stdout, server.Stderr = attrs, dir, logFile, logFile
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	t.Cleanup(func() {
		server.Process.Signal(syscall.SIGINT) // fast shutdown: ends the sessions, then stops
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			server.Process.Kill()
			<-exited
			t.Error("PostgreSQL did not stop on SIGINT within 30 s; killed")
		}
	})
	dsn = "postgres://postgres@/postgres?host=" + dir + "&sslmode=disable"
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return dsn, dataDir
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("PostgreSQL exited: %v\n%s", err, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("PostgreSQL did not accept connections within a minute: %v\n%s", err, log)
		}
	}
}

// majorVersion reads 15 from /usr/lib/postgresql/15/bin/initdb.
func majorVersion(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func TestBrokerOnPostgreSQL(t *testing.T) {
	dsn, dataDir := startPostgres(t)
	ctx := context.Background()
	store, err := OpenStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newHarness(t, store, nil, nil)
	brokerSuite(t, h)

	t.Run("two broker processes on one database", func(t *testing.T) {
		a, b := startBrokerProcess(t, h.fx, dsn), startBrokerProcess(t, h.fx, dsn)
		_, g := signIn(t, h.fx, a.url)
		h.secrets = append(h.secrets, g.secret)
		callsBefore, _ := h.fx.counts()
		const n = 6
		answers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				base := []string{a.url, b.url}[i%2]
				status, _, ans := call(t, base, "/v1/refresh", refreshBody(g))
				if status != 200 {
					t.Errorf("refresh %d through process %d: %d %v", i, i%2+1, status, ans)
					return
				}
				answers[i] = userToken(t, ans)
			})
		}
		wg.Wait()
		calls, reused := h.fx.counts()
		if reused != 0 || calls-callsBefore > n {
			t.Errorf("%d refreshes through two processes made %d EXchange calls, %d with a rotated-away refresh token", n, calls-callsBefore, reused)
		}
		issued := h.fx.allIssued()
		for i, tok := range answers {
			if !slices.Contains(issued, tok) {
				t.Errorf("refresh %d answered a user token EXchange never issued", i)
			}
		}
		// Whichever process stored the last refresh token, the other one
		// uses it; a revoke in one is seen by the other.
		for _, p := range []*brokerProcess{b, a} {
			if status, _, ans := call(t, p.url, "/v1/refresh", refreshBody(g)); status != 200 {
				t.Errorf("refresh after the concurrent ones: %d %v", status, ans)
			}
		}
		if status, _, _ := call(t, a.url, "/v1/revoke", refreshBody(g)); status != 204 {
			t.Errorf("revoke through process 1: %d", status)
		}
		if status, _, _ := call(t, b.url, "/v1/refresh", refreshBody(g)); status != 401 {
			t.Errorf("refresh through process 2 after a revoke through process 1: %d", status)
		}
		a.stop(t)
		b.stop(t)
		assertNoSecretsIn(t, "the broker processes' logs", []byte(a.stderr.String()+b.stderr.String()), h.secretsHandedOut())
	})

	// Everything PostgreSQL wrote, tables and write-ahead log alike.
	if _, err := store.(*sqlStore).db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	assertNoSecretsInDir(t, dataDir, h.secretsHandedOut())
	assertNoSecretsIn(t, "the broker's log", []byte(h.logs.String()), h.secretsHandedOut())
}
