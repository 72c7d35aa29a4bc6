package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// exchangeResult is stdout of --provider exchange.
type exchangeResult struct {
	Provider string `json:"provider"`
	Member   struct {
		SN, Name, Email string
	} `json:"member"`
	Accounts []struct {
		Currency, Balance, Locked string
	} `json:"accounts"`
}

// EXchange through the sandbox's token broker, with the real Secret
// Service: approve; later runs resume, and an expired access key (2010) is
// renewed through the broker and the call retried; sign out revokes the
// grant; the user token and grant secret are never printed.
func TestExchangeAcrossLaunches(t *testing.T) {
	testkeyring.System(t)
	config := t.TempDir()
	t.Setenv("QEX_SANDBOX_TOKEN_LIFETIME", "10s")
	launch := func(decision string, want int, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runBinaryIn(t, config, decision, append([]string{"--headless", "--provider", "exchange"}, args...)...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s", args, code, want, stderr)
		}
		return stdout, stderr
	}
	issuedAfter := time.Now()
	out, errOut := launch("approve", 0)
	issuedBefore := time.Now()
	var res exchangeResult
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not the documented object: %v\n%s", err, out)
	}
	if res.Provider != "exchange" || res.Member.SN == "" || len(res.Accounts) == 0 || !strings.Contains(out, `"balance": "0.00726"`) {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(errOut, "/exchange-broker/v1/token") || !strings.Contains(errOut, "Session saved") {
		t.Errorf("stderr:\n%s", errOut)
	}

	// The key expires while the app is closed: the next call meets 2010.
	expireExchangeKeys(t, config, issuedAfter.Add(10*time.Second), issuedBefore.Add(10*time.Second))
	out, errOut = launch("fail", 0, "--call", "GET /api/v2/members/me")
	if !strings.Contains(errOut, "Resumed the saved session") || !strings.Contains(errOut, "/exchange-broker/v1/refresh") || !strings.Contains(out, res.Member.SN) {
		t.Errorf("the expired key was not renewed through the broker:\n%s\n%s", errOut, out)
	}

	_, errOut, code := runBinaryIn(t, config, "fail", "--provider", "exchange", "--sign-out")
	if code != 0 || !strings.Contains(errOut, "Signed out: the session was ended on the server") {
		t.Errorf("sign out: exit %d\n%s", code, errOut)
	}
	_, errOut = launch("deny", 1)
	if last := lastLine(errOut); !strings.Contains(last, "denied") {
		t.Errorf("after sign out, a denied approval ends with %q", last)
	}
	if strings.Contains(errOut, "Resumed") {
		t.Error("the revoked grant resumed")
	}
}

// expireExchangeKeys checks that the access keys the sandbox's EXchange
// saved in config expire between from and to (the lifetime
// $QEX_SANDBOX_TOKEN_LIFETIME asked for after they were issued), then moves
// their expiry to the past, as if the app had stayed closed that long: the
// server's state once the key has expired, without waiting for it.
func expireExchangeKeys(t *testing.T, config string, from, to time.Time) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(config, "*", "sandbox-state-exchange.json"))
	if len(files) != 1 {
		t.Fatalf("the sandbox's EXchange state files in %s: %q, want one", config, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]json.RawMessage
	var keys map[string]map[string]any
	if err := json.Unmarshal(data, &state); err != nil || json.Unmarshal(state["access_keys"], &keys) != nil || len(keys) == 0 {
		t.Fatalf("no access keys in %s (%v):\n%s", files[0], err, data)
	}
	for id, key := range keys {
		expires, _ := key["expires"].(string)
		at, err := time.Parse(time.RFC3339Nano, expires)
		if err != nil || at.Before(from) || at.After(to) {
			t.Errorf("access key %.8s… expires %q, want between %s and %s", id, expires, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
		}
		key["expires"] = time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	}
	state["access_keys"], _ = json.Marshal(keys)
	data, _ = json.Marshal(state)
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A partner tries qex-broker against the served sandbox, as docs/broker.md's
// "Try it locally" says: the sandbox takes the client secret they chose from
// $EXCHANGE_CLIENT_SECRET (and never prints it), qex-broker holds the same
// secret with SQLite, and the app's EXchange flow goes through that broker.
func TestTryTheBrokerLocally(t *testing.T) {
	testkeyring.System(t)
	secret := "partner-chosen-" + randid.UUID4()
	key := make([]byte, 32)
	rand.Read(key)
	env := append(os.Environ(), "EXCHANGE_CLIENT_SECRET="+secret, "BROKER_KEY="+base64.StdEncoding.EncodeToString(key))

	sandboxBase, sandboxSaid := startPrinting(t, env, "Press Ctrl+C", appBinary, "--serve-sandbox", "127.0.0.1:0")
	if !strings.Contains(sandboxSaid(), "client id qex-companion-broker, client secret $EXCHANGE_CLIENT_SECRET") {
		t.Errorf("the sandbox does not say it took the chosen secret:\n%s", sandboxSaid())
	}
	brokerLine, brokerSaid := startPrinting(t, env, "", brokerBinary, "serve", "--listen", "127.0.0.1:0",
		"--exchange-base", sandboxBase+"/exchange", "--client-id", "qex-companion-broker", "--db", "sqlite:"+filepath.Join(t.TempDir(), "broker.db"))
	_, brokerURL, ok := strings.Cut(brokerLine, "listening on ")
	if !ok {
		t.Fatalf("qex-broker printed %q\n%s", brokerLine, brokerSaid())
	}

	out, errOut, code := runBinary(t, "approve", "--headless", "--provider", "exchange", "--api-base", sandboxBase+"/exchange", "--broker", brokerURL)
	if code != 0 {
		t.Fatalf("the flow through qex-broker: exit %d\n%s\nqex-broker:\n%s", code, errOut, brokerSaid())
	}
	var res exchangeResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Member.SN == "" || len(res.Accounts) == 0 {
		t.Errorf("result %+v (%v)\n%s", res, err, out)
	}
	if !strings.Contains(errOut, "POST /v1/token → 200") || strings.Contains(errOut, "/exchange-broker") {
		t.Errorf("the code was not exchanged through qex-broker:\n%s", errOut)
	}
	for name, said := range map[string]string{"sandbox": sandboxSaid(), "qex-broker": brokerSaid(), "app stderr": errOut, "app stdout": out} {
		if strings.Contains(said, secret) {
			t.Errorf("the %s printed the client secret", name)
		}
	}
}

// startPrinting starts bin with env and returns the first line it prints on
// stdout, and what it has said on stderr so far (having said, if set, a
// line holding banner's end); it is interrupted when the test ends.
func startPrinting(t *testing.T, env []string, bannerEnd, bin string, args ...string) (string, func() string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr := &brokertest.SyncBuffer{}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	said := bufio.NewReader(errPipe)
	for bannerEnd != "" {
		line, err := said.ReadString('\n')
		stderr.Write([]byte(line))
		if err != nil {
			t.Fatalf("%s ended its banner without %q: %v\n%s", filepath.Base(bin), bannerEnd, err, stderr.String())
		}
		if strings.Contains(line, bannerEnd) {
			break
		}
	}
	go io.Copy(stderr, said)
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s printed nothing: %v\n%s", filepath.Base(bin), err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return strings.TrimSpace(line), stderr.String
}
