//go:build linux

package main

import (
	"bufio"
	"debug/elf"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
)

// binary is qex-broker built with CGO_ENABLED=0, as it ships.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "qex-broker-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "qex-broker")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building qex-broker with CGO_ENABLED=0: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestTheBinaryIsStaticWithoutFyne(t *testing.T) {
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Section(".interp") != nil {
		t.Error("qex-broker asks for a dynamic loader: it would not start on a minimal image")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("qex-broker links %v", libs)
	}
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "fyne.io") || !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Errorf("go version -m:\n%s", out)
	}
}

var keyB64 = base64.StdEncoding.EncodeToString(brokertest.TestKey)

// process is qex-broker running.
type process struct {
	url    string
	cmd    *exec.Cmd
	stderr *brokertest.SyncBuffer
	exited chan error
}

// start runs `qex-broker serve` on a free loopback port in front of fx,
// with the client secret and key (env adds or overrides variables); it is
// stopped with SIGTERM when the test ends, or dies with the test binary.
func start(t *testing.T, fx *brokertest.TestFake, db string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0", "--exchange-base", fx.URL, "--client-id", brokertest.ClientID, "--db", db}, args...)...)
	cmd.Env = append(append(os.Environ(), ClientSecretEnvVar+"="+brokertest.ClientSecret, "BROKER_KEY="+keyB64), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &process{cmd: cmd, stderr: &brokertest.SyncBuffer{}, exited: make(chan error, 1)}
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
		io.Copy(io.Discard, stdout)
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
func (p *process) stop(t *testing.T) {
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

// kill ends the process at once, as a crash would.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// metric reads one sample of /metrics, e.g. qex_broker_refreshes_total{outcome="exchange"}.
func (p *process) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func databases(t *testing.T) map[string]string {
	pg, _ := brokertest.StartPostgres(t)
	return map[string]string{"SQLite": "sqlite:" + filepath.Join(t.TempDir(), "broker.db"), "PostgreSQL": pg}
}

func TestLifecycle(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			fx := brokertest.StartFake(t)
			p := start(t, fx, db, nil)
			status, _, a := brokertest.Call(t, p.url, "/v1/start", map[string]string{"redirect_uri": brokertest.Redirect, "state": "s"})
			if status != 200 || !strings.HasPrefix(fmt.Sprint(a["authorize_url"]), fx.URL+"/oauth/authorize?") {
				t.Errorf("/v1/start: %d %v", status, a)
			}
			first, g := brokertest.SignIn(t, fx.Fake, p.url)
			second := brokertest.Refresh(t, p.url, g)
			if second == first {
				t.Error("the refresh answered the first user token")
			}
			issued := fx.Issued()
			refreshToken := issued[len(issued)-1]
			if status, _, _ := brokertest.Call(t, p.url, "/v1/revoke", g.Body()); status != 204 {
				t.Errorf("revoke: %d", status)
			}
			if fx.Live(refreshToken) {
				t.Error("after /v1/revoke, the refresh token still works at EXchange")
			}
			if status, _, _ := brokertest.Call(t, p.url, "/v1/refresh", g.Body()); status != 401 {
				t.Errorf("refresh after revoke: %d", status)
			}
			for sample, want := range map[string]float64{
				`qex_broker_refreshes_total{outcome="exchange"}`:                             1,
				`qex_broker_exchange_seconds_count{outcome="answered",path="/oauth/token"}`:  2,
				`qex_broker_exchange_seconds_count{outcome="answered",path="/oauth/revoke"}`: 1,
				`qex_broker_grants`:             0,
				`qex_broker_requests_in_flight`: 0,
			} {
				if got := p.metric(t, sample); got != want {
					t.Errorf("/metrics: %s = %v, want %v", sample, got, want)
				}
			}
			brokertest.SignIn(t, fx.Fake, p.url)
			if got := p.metric(t, "qex_broker_grants"); got != 1 {
				t.Errorf("/metrics: qex_broker_grants = %v after a sign-in, want 1", got)
			}
			p.stop(t)
			brokertest.AssertNoSecretsIn(t, "the broker's log", []byte(p.stderr.String()), append(fx.Issued(), g.Secret, brokertest.ClientSecret, keyB64))
			if !strings.Contains(p.stderr.String(), `"grant":"`+g.ID+`"`) || !strings.Contains(p.stderr.String(), "shutting down") {
				t.Errorf("the log lacks the access entries or the shutdown:\n%s", p.stderr.String())
			}
		})
	}
}

func TestConcurrentRefreshesAcrossTwoProcesses(t *testing.T) {
	db, _ := brokertest.StartPostgres(t)
	fx := brokertest.StartFake(t)
	a, b := start(t, fx, db, nil), start(t, fx, db, nil)
	_, g := brokertest.SignIn(t, fx.Fake, a.url)
	const n = 20
	release := make(chan struct{})
	fx.Hold(release)
	callsBefore, _ := fx.Counts()
	answers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = brokertest.Refresh(t, []*process{a, b}[i%2].url, g) })
	}
	// EXchange answers once all n are inside the two brokers.
	deadline := time.Now().Add(30 * time.Second)
	for a.metric(t, "qex_broker_requests_in_flight")+b.metric(t, "qex_broker_requests_in_flight") < n {
		if time.Now().After(deadline) {
			t.Fatal("the refreshes never were all in flight")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	calls, reused := fx.Counts()
	if calls-callsBefore != 1 || reused != 0 {
		t.Errorf("%d refreshes through two processes made %d EXchange calls, %d with a stale refresh token; want 1 and 0", n, calls-callsBefore, reused)
	}
	for i := range answers {
		if answers[i] != answers[0] {
			t.Errorf("refresh %d answered another user token than refresh 0", i)
		}
	}
	brokertest.Refresh(t, b.url, g)
	brokertest.Refresh(t, a.url, g)
}

// SIGKILL a broker in the middle of a load: after a restart, every grant
// that was not being refreshed at that instant refreshes, and no refresh
// token went to EXchange twice.
func TestKilledMidLoad(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			fx := brokertest.StartFake(t)
			fx.SetLatency(5 * time.Millisecond)
			limits := []string{"--rate-limit", "100000", "--address-limit", "100000"}
			p := start(t, fx, db, nil, limits...)
			grants := make([]brokertest.GrantOf, 40)
			for i := range grants {
				_, grants[i] = brokertest.SignIn(t, fx.Fake, p.url)
			}
			var (
				mu       sync.Mutex
				inFlight = map[int]int{} // grant index → refreshes under way
				done     int
				killed   = make(chan struct{})
				loaded   = make(chan struct{}) // closed after 150 refreshes
				wg       sync.WaitGroup
			)
			client := &http.Client{Timeout: 10 * time.Second}
			for range 8 {
				wg.Go(func() {
					for {
						select {
						case <-killed:
							return
						default:
						}
						i := rand.IntN(len(grants))
						mu.Lock()
						inFlight[i]++
						mu.Unlock()
						resp, err := client.Post(p.url+"/v1/refresh", "application/json",
							strings.NewReader(fmt.Sprintf(`{"grant_id":%q,"grant_secret":%q}`, grants[i].ID, grants[i].Secret)))
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
						mu.Lock()
						if err == nil && resp.StatusCode == 200 {
							if done++; done == 150 {
								close(loaded)
							}
						}
						if err == nil { // answered: not under way when the kill came
							inFlight[i]--
						}
						mu.Unlock()
					}
				})
			}
			<-loaded
			// The grants under way at the kill: requests sent and not answered.
			mu.Lock()
			p.kill()
			underWay := 0
			atKill := map[int]bool{}
			for i, n := range inFlight {
				if n > 0 {
					atKill[i] = true
					underWay++
				}
			}
			mu.Unlock()
			close(killed)
			wg.Wait()
			_, reusedBefore := fx.Counts()
			again := start(t, fx, db, nil, limits...)
			refreshed := 0
			for i, g := range grants {
				if atKill[i] {
					continue
				}
				brokertest.Refresh(t, again.url, g)
				refreshed++
			}
			if _, reused := fx.Counts(); reused != 0 || reusedBefore != 0 {
				t.Errorf("EXchange saw %d refresh tokens presented twice", reused)
			}
			if underWay > 8 || refreshed != len(grants)-underWay {
				t.Errorf("%d grants under way at the kill with 8 clients; %d of the others refreshed", underWay, refreshed)
			}
			t.Logf("%d refreshes before the kill; %d grants idle at the kill refreshed after the restart", done, refreshed)
		})
	}
}

func TestRekey(t *testing.T) {
	fx := brokertest.StartFake(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "broker.db")
	p := start(t, fx, db, nil)
	_, g := brokertest.SignIn(t, fx.Fake, p.url)
	p.stop(t)
	newKey := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("n", 32)))
	rekey := exec.Command(binary, "rekey", "--db", db)
	rekey.Env = append(os.Environ(), "BROKER_KEY="+newKey, "BROKER_OLD_KEYS="+keyB64)
	out, err := rekey.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 grants sealed again") {
		t.Fatalf("rekey: %v\n%s", err, out)
	}
	brokertest.AssertNoSecretsIn(t, "rekey's output", out, []string{newKey, keyB64})
	q := start(t, fx, db, []string{"BROKER_KEY=" + newKey})
	brokertest.Refresh(t, q.url, g)
}

func TestBadUsage(t *testing.T) {
	// A file database, which bad usage must not create.
	db := "sqlite:" + filepath.Join(t.TempDir(), "broker.db")
	base := []string{"serve", "--exchange-base", "https://exchange.example", "--client-id", "id", "--db", db}
	for _, c := range []struct {
		args []string
		env  []string
		says string
	}{
		{[]string{"serve", "--client-id", "id"}, nil, "--exchange-base is required"},
		{[]string{"serve", "--exchange-base", "https://exchange.example"}, nil, "--client-id is required"},
		{base, []string{ClientSecretEnvVar + "="}, "$EXCHANGE_CLIENT_SECRET is not set"},
		{base, []string{"BROKER_KEY="}, "$BROKER_KEY is not set"},
		{base, []string{"BROKER_KEY=c2hvcnQ="}, "$BROKER_KEY must be 32 random bytes"},
		{base, []string{"BROKER_OLD_KEYS=not-a-key"}, "$BROKER_OLD_KEYS holds a key that is not"},
		{[]string{"serve", "--exchange-base", "ftp://x", "--client-id", "id", "--db", db}, nil, "not an http(s) URL"},
		{[]string{"serve", "--exchange-base", "https://u:pw@exchange.example", "--client-id", "id", "--db", db}, nil, "--exchange-base: API base \"https://u:xxxxx@exchange.example\" must not carry"},
		{append(base, "--listen", "8700"), nil, "--listen \"8700\" is not host:port"},
		{[]string{"serve", "--exchange-base", "https://exchange.example", "--client-id", "id", "--db", "mysql://u:pw@h/db"}, nil, "neither sqlite:PATH nor postgres"},
		{[]string{"serve", "--exchange-base", "https://exchange.example", "--client-id", "id", "--db", "postgres://u:pw@h/db"}, nil, "put it in $PGPASSWORD"},
		{[]string{"--nope"}, nil, "flag provided but not defined"},
		{[]string{"rekey", "extra"}, nil, "unexpected argument"},
		{append(base, "--rate-limit", "0"), nil, "must be positive"},
	} {
		cmd := exec.Command(binary, c.args...)
		cmd.Env = append(append(os.Environ(), ClientSecretEnvVar+"=s", "BROKER_KEY="+keyB64), c.env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Run()
		out := stderr.String()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(out, c.says) || strings.Count(out, "\n") != 1 || strings.Contains(out, "pw@") || strings.Contains(out, keyB64) {
			t.Errorf("%v: exit %d, %q; want 2 and one line with %q", c.args, code, out, c.says)
		}
		if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); err == nil {
			t.Fatalf("%v: bad usage left a database file behind", c.args)
		}
	}
	out, err := exec.Command(binary, "-h").Output()
	if err != nil || !strings.Contains(string(out), "reverse proxy") || !slices.Contains(strings.Fields(string(out)), "rekey") {
		t.Errorf("-h: %v, %q", err, out)
	}
}
