package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// linkEnv is the environment of one user's desktop: a private runtime
// folder (where the running copy listens) and config folder.
func linkEnv(t *testing.T) []string {
	t.Helper()
	runtime, err := os.MkdirTemp("/tmp", "qr") // Unix socket paths must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	return append(os.Environ(), "XDG_RUNTIME_DIR="+runtime, "XDG_CONFIG_HOME="+t.TempDir(), "LANG=en_US.UTF-8",
		"QEX_TEST_OPEN_LINKS_WITH="+appBinary, "BROWSER="+browserBinary)
}

// waitingApp is a copy of the app running in the background.
type waitingApp struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr []string
	done   chan error
}

func startApp(t *testing.T, env []string, args ...string) *waitingApp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	a := &waitingApp{cmd: exec.CommandContext(ctx, appBinary, args...), done: make(chan error, 1)}
	a.cmd.Env = env
	a.cmd.Stdout = &a.stdout
	pipe, err := a.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			a.mu.Lock()
			a.stderr = append(a.stderr, sc.Text())
			a.mu.Unlock()
		}
		a.done <- a.cmd.Wait()
	}()
	return a
}

func (a *waitingApp) log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.stderr, "\n")
}

// waitFor waits until the app's stderr matches re, and returns the match.
func (a *waitingApp) waitFor(t *testing.T, re string) string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := pattern.FindString(a.log()); m != "" {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the app never printed %q:\n%s", re, a.log())
	return ""
}

func (a *waitingApp) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-a.done:
		return exitCode(t, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("the app did not finish:\n%s", a.log())
	}
	return -1
}

// launch runs the binary once more, as the system does for a link.
func launch(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(appBinary, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(t, err)
}

func TestDeepLinkReturnAcrossTwoProcesses(t *testing.T) {
	env := linkEnv(t)
	browserLog := filepath.Join(t.TempDir(), "browser.log")
	env = append(env, "QEX_TEST_BROWSER_LOG="+browserLog)
	first := startApp(t, env, "--headless", "--callback", "deeplink")
	if code := first.wait(t); code != 0 {
		t.Fatalf("the first copy exited %d:\n%s", code, first.log())
	}
	cfg := sessionOf(t, first.stdout.String())
	if cfg.SessionSecret == "" {
		t.Error("no configuration on stdout")
	}
	log := first.log()
	for _, want := range []string{"return_url=io.qexcompanion.app%3A%2Fcallback%3Fstate%3D", "Approved (noticed via the browser's return)."} {
		if !strings.Contains(log, want) {
			t.Errorf("first copy's stderr lacks %q:\n%s", want, log)
		}
	}
	// The browser opened the link by launching a second copy, which handed
	// it over and exited.
	browser, _ := os.ReadFile(browserLog)
	if !regexp.MustCompile(`opened link: exit 0 after \d+ms: Handed the link to the QEX Companion that is already running.`).Match(browser) {
		t.Errorf("browser log: %s", browser)
	}
}

func TestForgedLinksAndClientsLeaveTheFirstCopyWaiting(t *testing.T) {
	env := linkEnv(t)
	first := startApp(t, env, "--headless", "--callback", "deeplink", "--no-browser")
	approval := first.waitFor(t, `http://127\.0\.0\.1:\d+/api/v1/session/\S+/liquid_oauth\S+`)

	forged := []struct{ link, note string }{
		{"io.qexcompanion.app:/callback?state=forged", "ignored a deep link whose state does not match"},
		{"io.qexcompanion.app:/elsewhere?state=x", `ignored a deep link: path "/elsewhere" is not /callback`},
		{"io.qexcompanion.app:/callback?state=" + strings.Repeat("a", 3000), "at most 2048"},
		{"io.qexcompanion.app:\x01\xff\xfe", "ignored a deep link: not a URL"},
	}
	for _, f := range forged {
		out, code := launch(t, env, f.link)
		if code != 0 || !strings.Contains(out, "Handed the link") {
			t.Errorf("handing over %.40q: exit %d: %s", f.link, code, out)
		}
		first.waitFor(t, regexp.QuoteMeta(f.note))
	}
	// Not our scheme: the second copy does not even forward it.
	if out, code := launch(t, env, "https://evil.example/callback?state=x"); code != 2 {
		t.Errorf("a foreign URL: exit %d: %s", code, out)
	}

	// A local client without the token is refused, and harms nothing.
	var runtime string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_RUNTIME_DIR="); ok {
			runtime = v
		}
	}
	conn, err := net.Dial("unix", filepath.Join(runtime, "io.qexcompanion.app", "instance.sock"))
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte(`{"open_url":"io.qexcompanion.app:/callback?state=x"}` + "\n"))
	reply := make([]byte, 200)
	n, _ := conn.Read(reply)
	conn.Close()
	if !strings.Contains(string(reply[:n]), "wrong or missing token") {
		t.Errorf("tokenless client got %q", reply[:n])
	}
	first.waitFor(t, "refused a message from another copy of the app: wrong or missing token")

	select {
	case err := <-first.done:
		t.Fatalf("the first copy ended (%v):\n%s", err, first.log())
	default:
	}
	// The real approval still completes the flow.
	cmd := exec.Command(browserBinary, approval)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("approving: %v %s", err, out)
	}
	if code := first.wait(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, first.log())
	}
	sessionOf(t, first.stdout.String())
}

func TestOnlyOneCopyWaitsForLinks(t *testing.T) {
	env := linkEnv(t)
	first := startApp(t, env, "--headless", "--callback", "deeplink", "--no-browser")
	first.waitFor(t, "liquid_oauth")
	out, code := launch(t, env, "--headless", "--callback", "deeplink", "--no-browser")
	if code != 1 || !strings.Contains(out, "another QEX Companion is already running and receives io.qexcompanion.app: links") {
		t.Errorf("second waiter: exit %d: %s", code, out)
	}
	// Other headless runs neither forward nor block.
	if _, code := launch(t, append(env, "BROWSER="+browserBinary), "--headless"); code != 0 {
		t.Errorf("a loopback run next to a waiting copy failed with %d", code)
	}
	first.cmd.Process.Kill()
}

func TestLinkWithNothingWaiting(t *testing.T) {
	out, code := launch(t, linkEnv(t), "--headless", "io.qexcompanion.app:/callback?state=late")
	if code != 1 || !strings.Contains(out, "a link arrived with nothing waiting for it") {
		t.Errorf("exit %d: %s", code, out)
	}
}
