package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// tokenResult is stdout of --provider oauth2 and liquidcommerce.
type tokenResult struct {
	Provider string `json:"provider"`
	Token    struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		Type        string `json:"type"`
		Expiry      string `json:"expiry"`
		Scope       string `json:"scope"`
	} `json:"token"`
	User json.RawMessage `json:"user"`
}

func decodeTokenResult(t *testing.T, out string) tokenResult {
	t.Helper()
	var res tokenResult
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not the documented object: %v\n%s", err, out)
	}
	if _, err := time.Parse(time.RFC3339, res.Token.Expiry); err != nil || res.Token.AccessToken == "" {
		t.Errorf("token %+v", res.Token)
	}
	return res
}

// The OAuth 2.0 provider through the binary, with the real Secret
// Service: PKCE in the browser, then later runs resume from the keychain
// (refreshing the short-lived sandbox token, which rotates the refresh
// token) without a browser; the refresh token is never printed.
func TestOAuth2AcrossLaunches(t *testing.T) {
	testkeyring.System(t)
	config := t.TempDir()
	t.Setenv("QEX_SANDBOX_TOKEN_LIFETIME", "10s") // within the refresh margin from the start: every run refreshes
	var outputs []string
	launch := func(decision string, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runBinaryIn(t, config, decision, append([]string{"--headless", "--provider", "oauth2"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		outputs = append(outputs, stdout, stderr)
		return stdout, stderr
	}
	out, errOut := launch("approve")
	first := decodeTokenResult(t, out)
	var user struct{ Username string }
	if first.Provider != "oauth2" || first.Token.TokenType != "Bearer" || first.Token.Scope != "delegated:all" ||
		json.Unmarshal(first.User, &user) != nil || user.Username == "" {
		t.Errorf("first run: %+v", first)
	}
	if !strings.Contains(errOut, "Username:") || !strings.Contains(errOut, "(a secret: not shown here)") {
		t.Errorf("stderr:\n%s", errOut)
	}
	key := flows.SessionKey{Provider: "oauth2", Env: "sandbox", APIBase: flows.EmbeddedAPIBase, Account: "qex-companion"}
	readSaved := func() (refresh string) {
		stored, ok := testkeyring.Lookup(t, sessions.EntryName(key))
		var entry struct {
			Blob struct {
				RefreshToken string `json:"refresh_token"`
			}
		}
		if !ok || json.Unmarshal([]byte(stored), &entry) != nil || entry.Blob.RefreshToken == "" {
			t.Fatalf("the keychain holds %q (%v)", stored, ok)
		}
		return entry.Blob.RefreshToken
	}
	refreshTokens := []string{readSaved()}

	out, errOut = launch("fail") // no browser may open
	second := decodeTokenResult(t, out)
	refreshTokens = append(refreshTokens, readSaved())
	if !strings.Contains(errOut, "Resumed the saved session") || second.Token.AccessToken == first.Token.AccessToken || refreshTokens[1] == refreshTokens[0] {
		t.Errorf("second run did not resume with a refreshed, rotated token:\n%s", errOut)
	}
	out, _ = launch("fail", "--call", "GET /api/me")
	if !json.Valid([]byte(out)) || !strings.Contains(out, user.Username) {
		t.Errorf("--call GET /api/me printed %q", out)
	}
	refreshTokens = append(refreshTokens, readSaved())
	assertNoSecrets(t, refreshTokens, []string{config}, outputs)
}

// LiquidCommerce: the key from the environment buys a token; the next run
// resumes with it (no key needed); the key is never printed or written.
func TestLiquidCommerceAcrossLaunches(t *testing.T) {
	testkeyring.System(t)
	config := t.TempDir()
	stdout, stderr, code := runBinaryIn(t, config, "fail", "--headless", "--provider", "liquidcommerce")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	first := decodeTokenResult(t, stdout)
	if first.Provider != "liquidcommerce" || first.Token.Type != "ACCESS_TOKEN" || strings.Contains(stderr, first.Token.AccessToken) {
		t.Errorf("first run: %+v\n%s", first, stderr)
	}
	stdout2, stderr2, code := runBinaryIn(t, config, "fail", "--headless", "--provider", "liquidcommerce", "--call", "GET /catalog/search?q=gin")
	if code != 0 || !strings.Contains(stderr2, "Resumed the saved session") || !strings.Contains(stdout2, `"requestId"`) {
		t.Errorf("second run: exit %d\n%s\n%s", code, stderr2, stdout2)
	}
	if strings.Contains(stderr2, "/authentication") { // the saved token is valid: no new one is bought
		t.Errorf("the second run called the Authentication API:\n%s", stderr2)
	}
	key := flows.SessionKey{Provider: "liquidcommerce", Env: "sandbox", APIBase: flows.EmbeddedAPIBase}
	stored, ok := testkeyring.Lookup(t, sessions.EntryName(key))
	var entry struct {
		Blob struct {
			APIKey string `json:"api_key"`
		}
	}
	if !ok || json.Unmarshal([]byte(stored), &entry) != nil || entry.Blob.APIKey == "" {
		t.Fatalf("the keychain holds %q (%v)", stored, ok)
	}
	assertNoSecrets(t, []string{entry.Blob.APIKey}, []string{config}, []string{stderr, stderr2, stdout2})
}

func TestTokenProvidersBadInputExitsTwo(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"bad grant":         {[]string{"--provider", "oauth2", "--grant", "password"}, `--grant: grant "password": choose code or client_credentials`},
		"secret as a flag":  {[]string{"--provider", "oauth2", "--client-secret", "s"}, "--client-secret is a secret, never a flag (shell history and ps show flags): set $LIQUID_CLIENT_SECRET instead"},
		"commerce key flag": {[]string{"--provider", "liquidcommerce", "--api-key", "k"}, "--api-key is a secret, never a flag (shell history and ps show flags): set $LIQUIDCOMMERCE_API_KEY instead"},
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
