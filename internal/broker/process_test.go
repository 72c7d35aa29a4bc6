//go:build linux

package broker

import (
	"bufio"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainEnvVar makes the test binary run the broker's command line instead
// of the tests: real broker processes for the tests.
const mainEnvVar = "QEX_BROKER_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnvVar) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// brokerProcess is `qex-companion broker` running as its own process.
type brokerProcess struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
}

// startBrokerProcess runs the broker's command line with args, the client
// secret and the key, on a free loopback port; it is stopped with SIGTERM
// when the test ends, or dies with the test binary.
func startBrokerProcess(t *testing.T, fx *fakeExchange, db string) *brokerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "--listen", "127.0.0.1:0", "--exchange-base", fx.URL, "--client-id", fakeClientID, "--db", db)
	cmd.Env = append(os.Environ(), mainEnvVar+"=1", ClientSecretEnvVar+"="+fakeClientSecret,
		KeyEnvVar+"="+base64.StdEncoding.EncodeToString(testKey))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &brokerProcess{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case line := <-lines:
		_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
		if !ok {
			t.Fatalf("the broker did not start: %q\n%s", line, p.stderr.String())
		}
		p.url = addr
	case <-time.After(60 * time.Second):
		t.Fatalf("the broker did not say where it listens within a minute\n%s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and expects a graceful exit 0.
func (p *brokerProcess) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("the broker did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(ShutdownTimeout + 10*time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("the broker did not stop on SIGTERM")
	}
}

func TestRestartOnSQLiteFileLosesNothing(t *testing.T) {
	fx := newFakeExchange(t)
	db := "sqlite:" + t.TempDir() + "/broker.db"
	first := startBrokerProcess(t, fx, db)
	_, g := signIn(t, fx, first.url)
	if status, _, a := call(t, first.url, "/v1/refresh", refreshBody(g)); status != 200 {
		t.Fatalf("refresh before the restart: %d %v", status, a)
	}
	first.stop(t)

	second := startBrokerProcess(t, fx, db)
	status, _, a := call(t, second.url, "/v1/refresh", refreshBody(g))
	if status != 200 {
		t.Fatalf("refresh after the restart: %d %v", status, a)
	}
	userToken(t, a)
	if _, reused := fx.counts(); reused != 0 {
		t.Error("after the restart the broker sent EXchange a rotated-away refresh token")
	}
	if status, _, _ := call(t, second.url, "/v1/refresh", map[string]string{"grant_id": g.id, "grant_secret": strings.ToUpper(g.secret)}); status != 401 {
		t.Errorf("a wrong grant secret after the restart: %d", status)
	}
	second.stop(t)
	logs := first.stderr.String() + second.stderr.String()
	assertNoSecretsIn(t, "the broker processes' logs", []byte(logs), append(fx.allIssued(), g.secret, fakeClientSecret, base64.StdEncoding.EncodeToString(testKey)))
	if !strings.Contains(logs, `"grant":"`+g.id+`"`) || !strings.Contains(logs, "shutting down") {
		t.Errorf("the logs lack the access entries or the shutdown:\n%s", logs)
	}
}

func TestMainRefusesBadUsage(t *testing.T) {
	t.Setenv(ClientSecretEnvVar, "s")
	t.Setenv(KeyEnvVar, base64.StdEncoding.EncodeToString(testKey))
	for _, c := range []struct {
		args []string
		env  map[string]string
		says string
	}{
		{[]string{"--client-id", "id"}, nil, "--exchange-base is required"},
		{[]string{"--exchange-base", "https://exchange.example"}, nil, "--client-id is required"},
		{[]string{"--exchange-base", "https://exchange.example", "--client-id", "id"}, map[string]string{ClientSecretEnvVar: ""}, "$EXCHANGE_CLIENT_SECRET is not set"},
		{[]string{"--exchange-base", "https://exchange.example", "--client-id", "id"}, map[string]string{KeyEnvVar: ""}, "$BROKER_KEY is not set"},
		{[]string{"--exchange-base", "https://exchange.example", "--client-id", "id"}, map[string]string{KeyEnvVar: "c2hvcnQ="}, "$BROKER_KEY must be 32 random bytes"},
		{[]string{"--exchange-base", "ftp://x", "--client-id", "id", "--db", "sqlite::memory:"}, nil, "not an http(s) URL"},
		{[]string{"--exchange-base", "https://exchange.example", "--client-id", "id", "--db", "mysql://u:pw@h/db"}, nil, "neither sqlite:PATH nor postgres"},
		{[]string{"--nope"}, nil, "flag provided but not defined"},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var stdout, stderr strings.Builder
		code := Main(context.Background(), c.args, &stdout, &stderr)
		out := stderr.String()
		if code != 2 || !strings.Contains(out, c.says) || strings.Count(out, "\n") != 1 || strings.Contains(out, "pw@") {
			t.Errorf("%v: exit %d, %q; want 2 and one line with %q", c.args, code, out, c.says)
		}
		t.Setenv(ClientSecretEnvVar, "s")
		t.Setenv(KeyEnvVar, base64.StdEncoding.EncodeToString(testKey))
	}
	var stdout, stderr strings.Builder
	if code := Main(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "reverse proxy") {
		t.Errorf("-h: exit %d, %q", code, stdout.String())
	}
}
