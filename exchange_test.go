package main

import (
	"encoding/json"
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
	out, errOut := launch("approve", 0)
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

	time.Sleep(11 * time.Second) // the sandbox's access key expires (10 s): the next call meets 2010
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
