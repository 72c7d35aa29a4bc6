package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
