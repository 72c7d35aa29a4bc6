package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/qex"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// Binaries built once for the tests that run the app as a user would.
var (
	appBinary     string
	browserBinary string
	brokerBinary  string // qex-broker, static, as it ships
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "qex-companion-test-")
	if err != nil {
		panic(err)
	}
	appBinary = filepath.Join(dir, "qex-companion")
	browserBinary = filepath.Join(dir, "qex-test-browser")
	brokerBinary = filepath.Join(dir, "qex-broker")
	for bin, pkg := range map[string]string{appBinary: ".", browserBinary: "./internal/testbrowser/cmd/qex-test-browser", brokerBinary: "./cmd/qex-broker"} {
		build := exec.Command("go", "build", "-o", bin, pkg)
		if bin == brokerBinary {
			build.Env = append(os.Environ(), "CGO_ENABLED=0") // as it ships
		}
		if out, err := build.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			panic("building " + pkg + ": " + err.Error() + "\n" + string(out))
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the built binary with a scripted user as $BROWSER, and a
// config folder of its own.
func runBinary(t *testing.T, decision string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryIn(t, t.TempDir(), decision, args...)
}

// runBinaryIn runs the built binary with configDir as its config folder, so
// runs can share settings and saved sessions.
func runBinaryIn(t *testing.T, configDir, decision string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryEnv(t, append(os.Environ(), "BROWSER="+browserBinary, "QEX_TEST_DECISION="+decision, "LANG=en_US.UTF-8",
		"XDG_CONFIG_HOME="+configDir), args...)
}

// runBinaryEnv runs the built binary with exactly the environment env.
func runBinaryEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, appBinary, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code = exitCode(t, cmd.Run())
	if strings.Contains(errOut.String(), "panic") || strings.Contains(errOut.String(), "goroutine ") {
		t.Errorf("stack trace on stderr:\n%s", errOut.String())
	}
	return out.String(), errOut.String(), code
}

// exitCode is how a command that ran ended: its exit code, or -1 if a
// signal ended it. A command that could not run at all fails the test.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	t.Fatal(err)
	return -1
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestHeadlessApproveWritesOnlyJSONToStdout(t *testing.T) {
	stdout, stderr, code := runBinary(t, "approve", "--headless")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var cfg widgetcfg.Config
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("stdout is not the widget configuration: %v\n%s", err, stdout)
	}
	us := cfg.Identity.UserSession
	if cfg.PublicAPIKey != qexsandbox.DefaultPublicAPIKey || cfg.ConfigVersion != "1.2" || us.SessionID == "" || us.SessionSecret == "" {
		t.Errorf("config %+v", cfg)
	}
	if strings.Contains(stderr, us.SessionSecret) {
		t.Error("the session secret reached stderr")
	}
	for _, want := range []string{
		"sandbox environment",
		"/liquid_oauth?preferred_action=follow_href&return_url=http%3A%2F%2F127.0.0.1%3A",
		"Approved (noticed via the browser's return).",
		"CURRENCY  SYMBOL  BALANCE",
		"ETH       Ξ             12.345678901234567891",
		"USD       $              0.00726",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestHeadlessOutFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "widget.json")
	stdout, stderr, code := runBinary(t, "approve", "-headless", "-out", out, "-callback", "none")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout should be empty with --out, got %q", stdout)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(out)
	if !json.Valid(data) || !strings.Contains(string(data), `"session_secret"`) {
		t.Errorf("file %s", data)
	}
	if !strings.Contains(stderr, "noticed via polling") || !strings.Contains(stderr, "written to "+out) {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func TestHeadlessFailuresExitOneWithOneLine(t *testing.T) {
	closed := "http://127.0.0.1:1"
	cases := []struct {
		name     string
		decision string
		args     []string
		want     string
	}{
		{"denied", "deny", []string{"--headless"},
			"qex-companion: the request was denied in the browser; approve it to connect, or start again"},
		{"unreachable", "approve", []string{"--headless", "--api-base", closed},
			"qex-companion: create session failed: nothing answers at 127.0.0.1:1 (connection refused); check the API base URL, or start the server"},
		{"timeout", "ignore", []string{"--headless", "--no-browser", "--timeout", "1500ms"},
			"qex-companion: timed out: no approval within 1.5s; start again and approve in the browser"},
		{"server refuses the key", "approve", []string{"--headless", "--public-api-key", "pk_live_abcdef12"},
			`qex-companion: create session failed: the server refused the public API key (HTTP 401: "This is not a sandbox key: the sandbox accepts only pk_sandbox_ keys."); check --public-api-key or the key field`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, tc.decision, tc.args...)
			if code != 1 || lastLine(stderr) != tc.want || stdout != "" {
				t.Errorf("exit %d, stdout %q, last line\n got %s\nwant %s", code, stdout, lastLine(stderr), tc.want)
			}
		})
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	cases := map[string][]string{
		"unknown flag":          {"--frobnicate"},
		"bad env":               {"--env", "staging"},
		"production needs key":  {"--env", "production"},
		"bad api base":          {"--api-base", "partners.example"},
		"bad key":               {"--public-api-key", "sk_secret"},
		"bad timeout":           {"--timeout", "-5s"},
		"unparsable timeout":    {"--timeout", "soon"},
		"stray argument":        {"--headless", "extra"},
		"public sandbox":        {"--serve-sandbox", "0.0.0.0:8080"},
		"missing --out folder":  {"--out", "/nonexistent/dir/w.json"},
		"bad callback":          {"--callback", "carrier-pigeon"},
		"flag needs a value":    {"--env"},
		"key with spaces":       {"--public-api-key", "pk_abc def"},
		"ftp base":              {"--api-base", "ftp://partners.example"},
		"query in base":         {"--api-base", "https://partners.example?x=1"},
		"production bad base":   {"--env", "production", "--public-api-key", "pk_live_123456", "--api-base", "nope"},
		"empty serve address":   {"--serve-sandbox", "8080"},
		"single dash bad value": {"-env", "prod"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr)
			msg := stderr.String()
			if code != 2 || stdout.Len() != 0 || strings.Count(msg, "\n") != 1 ||
				!strings.HasPrefix(msg, "qex-companion: ") || !strings.HasSuffix(msg, " (run with -h for help)\n") {
				t.Errorf("exit %d, stderr %q", code, msg)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, flag := range []string{"-headless", "-provider", "-env", "-api-base", "-public-api-key", "-token-id", "$LIQUID_TOKEN_SECRET", "-call", "-data", "-out", "-no-browser", "-timeout", "-serve-sandbox", "-scenario"} {
		if !strings.Contains(stderr.String(), flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

func TestServeSandbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, appBinary, "--serve-sandbox", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSpace(line)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(base) {
		t.Fatalf("printed %q", line)
	}
	client, err := qex.NewClient(base)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.CreateSession(ctx, qexsandbox.DefaultPublicAPIKey)
	if err != nil || sess.Environment != "SANDBOX" {
		t.Fatalf("session from the served sandbox: %+v %v", sess, err)
	}
	// The headless flow runs against it, as any other server.
	_, errOut, code := runBinary(t, "approve", "--headless", "--api-base", base)
	if code != 0 {
		t.Errorf("flow against --serve-sandbox: exit %d\n%s", code, errOut)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after Ctrl+C: %v (%s)", err, stderr.String())
	}
}
