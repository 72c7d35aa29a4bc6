//go:build linux

package brokertest

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// StartPostgres starts a private PostgreSQL cluster (Debian's postgresql
// package, which make deps installs) in a temporary folder, listening only
// on a Unix socket there, and returns its URL and data folder. The server
// is stopped when the test ends, and dies with the test binary if that is
// killed. As root, the cluster runs as nobody: initdb refuses root.
func StartPostgres(t testing.TB) (dsn, dataDir string) {
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
