package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// liquidResult is stdout of --provider liquid.
type liquidResult struct {
	Provider     string `json:"provider"`
	OAuthRequest struct {
		PublicID string `json:"public_id"`
		Expires  string `json:"expires"`
	} `json:"oauth_request"`
	User     map[string]any `json:"user"`
	Accounts struct {
		Crypto []map[string]any `json:"crypto_accounts"`
		Fiat   []map[string]any `json:"fiat_accounts"`
	} `json:"accounts"`
}

// The Liquid exchange provider end to end through the binary on the
// embedded sandbox, with the real Secret Service: approve in the browser,
// resume without it, call the API as the user, sign out; no secret in
// anything printed or written.
func TestLiquidAcrossLaunches(t *testing.T) {
	testkeyring.System(t)
	config := t.TempDir()
	var outputs []string
	launch := func(decision string, wantCode int, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runBinaryIn(t, config, decision, append([]string{"--headless", "--provider", "liquid"}, args...)...)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d\n%s", args, code, wantCode, stderr)
		}
		outputs = append(outputs, stdout, stderr)
		return stdout, stderr
	}

	out, errOut := launch("approve", 0)
	var res liquidResult
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not the documented object: %v\n%s", err, out)
	}
	if res.Provider != "liquid" || res.OAuthRequest.PublicID == "" || res.OAuthRequest.Expires == "" ||
		res.User["first_name"] != "花子" || len(res.Accounts.Crypto) == 0 || !strings.Contains(out, `"balance": "0.00726"`) {
		t.Errorf("result %+v", res)
	}
	for _, want := range []string{"• OAuth request " + res.OAuthRequest.PublicID + " created", "noticed via polling", "Email:", "hanako.yamada@", "0.00726", "Session saved in the system keychain"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	key := flows.SessionKey{Provider: "liquid", Env: "sandbox", APIBase: flows.EmbeddedAPIBase, Account: liquid.DefaultTokenID}
	stored, ok := testkeyring.Lookup(t, sessions.EntryName(key))
	var saved struct {
		Blob struct {
			PrivateID string `json:"private_id"`
		}
	}
	if !ok || json.Unmarshal([]byte(stored), &saved) != nil || saved.Blob.PrivateID == "" {
		t.Fatalf("the keychain holds %q (%v)", stored, ok)
	}

	// A second launch resumes: no browser ("fail" would fail the test
	// browser if the app opened one).
	out, errOut = launch("fail", 0)
	if !strings.Contains(errOut, "Resumed the saved session") || !strings.Contains(out, res.OAuthRequest.PublicID) {
		t.Errorf("second launch did not resume:\n%s", errOut)
	}

	// --call signs as the user, and fetches only what it was asked for.
	out, errOut = launch("fail", 0, "--call", "GET /accounts")
	if !json.Valid([]byte(out)) || !strings.Contains(out, `"crypto_accounts"`) {
		t.Errorf("--call GET /accounts printed %q", out)
	}
	if n := strings.Count(errOut, "GET /liquid/accounts →"); n != 1 {
		t.Errorf("--call GET /accounts fetched /accounts %d times:\n%s", n, errOut)
	}
	_, errOut = launch("fail", 1, "--call", "GET /no/such/path")
	if last := lastLine(errOut); !strings.HasPrefix(last, "qex-companion: GET /no/such/path: the server answered HTTP 404") {
		t.Errorf("--call of a missing path ends with %q", last)
	}

	// Sign out forgets it here and says the service cannot end it.
	_, errOut, _ = runBinaryIn(t, config, "fail", "--provider", "liquid", "--sign-out")
	outputs = append(outputs, errOut)
	if !strings.Contains(errOut, "Signed out here; this provider has no way to end a session from the app") {
		t.Errorf("sign out said:\n%s", errOut)
	}
	if _, ok := testkeyring.Lookup(t, sessions.EntryName(key)); ok {
		t.Error("the keychain still holds the request after sign out")
	}
	assertNoSecrets(t, []string{saved.Blob.PrivateID}, []string{config}, outputs)
}

func TestLiquidDenied(t *testing.T) {
	_, stderr, code := runBinary(t, "deny", "--headless", "--provider", "liquid", "--no-resume", "--timeout", "20s")
	if last := lastLine(stderr); code != 1 || !strings.Contains(last, "the OAuth request was denied on Liquid") {
		t.Errorf("exit %d, last line %q", code, last)
	}
}

func TestLiquidBadInputExitsTwo(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown provider": {[]string{"--provider", "kraken"}, `--provider "kraken" does not exist: choose qex, liquid`},
		"another's flag":   {[]string{"--provider", "liquid", "--public-api-key", "pk_sandbox_12345678"}, "--public-api-key is not an input of --provider liquid (it takes --token-id, $LIQUID_TOKEN_SECRET)"},
		"no secret":        {[]string{"--provider", "liquid", "--api-base", "http://127.0.0.1:9"}, "$LIQUID_TOKEN_SECRET: enter the API token secret"},
		"bad token id":     {[]string{"--provider", "liquid", "--token-id", "a b"}, "--token-id: the API token id is a number or a short code with no spaces"},
		"bad --call":       {[]string{"--provider", "liquid", "--call", "accounts"}, `--call: "accounts" is not METHOD /path`},
		"bad --data":       {[]string{"--provider", "liquid", "--call", "POST /x", "--data", "{nope"}, "--data is not valid JSON"},
		"widget elsewhere": {[]string{"--provider", "liquid", "--widget"}, "--widget is for --provider qex"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=en_US.UTF-8", "XDG_CONFIG_HOME=" + t.TempDir()}
			stdout, stderr, code := runBinaryEnv(t, env, append([]string{"--headless"}, tc.args...)...)
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want it to say %q", code, stderr, tc.want)
			}
		})
	}
}
