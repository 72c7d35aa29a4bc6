package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// scenarioPair is one provider in one sandbox scenario, run headless: the
// exchanges the Inspector would show, in order, and how the run ends.
type scenarioPair struct {
	provider, scenario string
	args               []string // more flags (a --call for LiquidCommerce, whose flow makes no call with its token)
	exchanges          []string // patterns of stderr lines, in this order
	fails              string   // the last line of a run that fails; "" when it succeeds
}

var (
	qexAccounts  = `• GET /api/v1/session/[^/ ]+/accounts → `
	liquidUser   = `• GET /liquid/user/context → `
	introspect   = `• POST /oauth2/oauth/token/introspect → `
	oauthToken   = `• POST /oauth2/oauth/token → `
	commerceAuth = `• GET /liquidcommerce/authentication → `
	catalog      = `• GET /liquidcommerce/catalog/search\?q=wine → `
	member       = `• GET /exchange/api/v2/members/me\?\S+ → `
	accessGone   = `• the access is gone \(.*\): it must be approved again, and a new approval is starting`
	catalogCall  = []string{"--call", "GET /catalog/search?q=wine"}
)

var scenarioPairs = []scenarioPair{
	{provider: "qex", scenario: "normal", exchanges: []string{qexAccounts + "200"}},
	{provider: "qex", scenario: "rate-limited", exchanges: []string{qexAccounts + "429", qexAccounts + "429", qexAccounts + "200"}},
	{provider: "qex", scenario: "server-error", exchanges: []string{qexAccounts + "503", qexAccounts + "200"}},
	{provider: "qex", scenario: "slow", exchanges: []string{`• POST /api/v1/session → 200 in [2-9]\.\d+s`, qexAccounts + `200 in [2-9]\.\d+s`}},
	{provider: "qex", scenario: "expired-token", exchanges: []string{qexAccounts + "404", accessGone, `• POST /api/v1/session → 200`, qexAccounts + "200"}},
	{provider: "qex", scenario: "card-declined", exchanges: []string{qexAccounts + "200"}},
	{provider: "qex", scenario: "quote-expired", exchanges: []string{qexAccounts + "200"}},
	{provider: "liquid", scenario: "normal", exchanges: []string{liquidUser + "200", `• GET /liquid/accounts → 200`}},
	{provider: "liquid", scenario: "rate-limited", exchanges: []string{liquidUser + "429", liquidUser + "429", liquidUser + "200"}},
	{provider: "liquid", scenario: "server-error", exchanges: []string{liquidUser + "503", liquidUser + "200"}},
	{provider: "liquid", scenario: "expired-token", exchanges: []string{liquidUser + "401", accessGone, `• POST /liquid/system/oauth_requests → 200`, liquidUser + "200"}},
	{provider: "oauth2", scenario: "normal", exchanges: []string{oauthToken + "200", introspect + "200"}},
	{provider: "oauth2", scenario: "server-error", exchanges: []string{introspect + "503", introspect + "200"}},
	// The refresh grant, between the refused token and the one that works.
	{provider: "oauth2", scenario: "expired-token", exchanges: []string{oauthToken + "200", introspect + "401", oauthToken + "200", introspect + "200"}},
	{provider: "oauth2", scenario: "refresh-refused", exchanges: []string{introspect + "401", oauthToken + "400", accessGone, `• Approve the connection`, oauthToken + "200", introspect + "200"}},
	{provider: "liquidcommerce", scenario: "normal", exchanges: []string{commerceAuth + "200"}},
	{provider: "liquidcommerce", scenario: "rate-limited", exchanges: []string{commerceAuth + "429", commerceAuth + "429", commerceAuth + "200"}},
	{provider: "liquidcommerce", scenario: "server-error", exchanges: []string{commerceAuth + "503", commerceAuth + "200"}},
	{provider: "liquidcommerce", scenario: "slow", exchanges: []string{commerceAuth + `200 in [2-9]\.\d+s`}},
	{provider: "liquidcommerce", scenario: "expired-token", args: catalogCall, exchanges: []string{commerceAuth + "200", catalog + "401", commerceAuth + "200", catalog + "200"}},
	{provider: "liquidcommerce", scenario: "refresh-refused", args: catalogCall, exchanges: []string{catalog + "401", commerceAuth + "401"},
		fails: `qex-companion: the access token was refused and renewing it failed \(.*"5004 Token renewal refused".*\): the access must be approved again; connect again`},
	{provider: "exchange", scenario: "normal", exchanges: []string{`• POST /exchange-broker/v1/token → 200`, member + "200"}},
	{provider: "exchange", scenario: "rate-limited", exchanges: []string{member + "429", member + "429", member + "200"}},
	{provider: "exchange", scenario: "server-error", exchanges: []string{member + "503", member + "200"}},
	{provider: "exchange", scenario: "expired-token", exchanges: []string{member + "401", `• POST /exchange-broker/v1/refresh → 200`, member + "200"}},
	{provider: "exchange", scenario: "refresh-refused", exchanges: []string{member + "401", `• POST /exchange-broker/v1/refresh → 401`, accessGone, `• POST /exchange-broker/v1/token → 200`, member + "200"}},
}

// Every provider in every scenario that applies to it, headless through
// the binary with the scripted browser approving: the exchanges show the
// failure and how the app met it; the run ends as the scenario says;
// nothing secret reaches the terminal. (slow, at 2 s an answer, runs for
// the two providers with the fewest calls; the layer it tests is shared.)
func TestScenariosHeadless(t *testing.T) {
	for _, p := range scenarioPairs {
		t.Run(p.provider+"/"+p.scenario, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--headless", "--insecure-storage", "--provider", p.provider, "--scenario", p.scenario}, p.args...)
			stdout, stderr, code := runBinary(t, "approve", args...)
			switch {
			case p.fails == "" && code != 0:
				t.Fatalf("exit %d, want 0\n%s", code, stderr)
			case p.fails != "" && code != 1:
				t.Fatalf("exit %d, want 1\n%s", code, stderr)
			case p.fails != "" && !regexp.MustCompile("^"+p.fails+"$").MatchString(lastLine(stderr)):
				t.Errorf("last line %q, want %s", lastLine(stderr), p.fails)
			case p.fails == "" && !json.Valid([]byte(stdout)):
				t.Errorf("stdout is not the result:\n%s", stdout)
			}
			lines := strings.Split(stderr, "\n")
			at := 0
			for _, want := range p.exchanges {
				re := regexp.MustCompile("^" + want)
				for at < len(lines) && !re.MatchString(lines[at]) {
					at++
				}
				if at == len(lines) {
					t.Fatalf("stderr lacks, in order, %q:\n%s", want, stderr)
				}
				at++
			}
			for _, secret := range secretsIn(stdout) {
				if strings.Contains(stderr, secret) {
					t.Errorf("a secret of the result reached stderr:\n%s", stderr)
				}
			}
		})
	}
}

// secretsIn finds the secrets of a result document: its token and secret
// fields.
func secretsIn(doc string) []string {
	var found []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				walk(k, child)
			}
		case string:
			if strings.Contains(key, "token") || strings.Contains(key, "secret") {
				found = append(found, v)
			}
		}
	}
	var v any
	if json.Unmarshal([]byte(doc), &v) == nil {
		walk("", v)
	}
	return found
}

// A scenario that cannot happen for a provider is refused before anything
// runs, in one line saying why; so is any scenario off the embedded sandbox.
func TestScenarioBadUsageExitsTwo(t *testing.T) {
	applies := map[string]bool{}
	for _, p := range scenarioPairs {
		applies[p.provider+"/"+p.scenario] = true
	}
	applies["qex/slow"], applies["liquid/slow"], applies["oauth2/slow"], applies["exchange/slow"] = true, true, true, true
	for _, provider := range []string{"qex", "liquid", "oauth2", "liquidcommerce", "exchange"} {
		for _, name := range scenario.Names() {
			if applies[provider+"/"+name] {
				continue
			}
			t.Run(provider+"/"+name, func(t *testing.T) {
				_, stderr, code := runBinary(t, "fail", "--headless", "--provider", provider, "--scenario", name)
				if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "qex-companion: --scenario "+name+" does not apply to --provider "+provider+": ") {
					t.Errorf("exit %d, stderr %q", code, stderr)
				}
			})
		}
	}
	for name, args := range map[string][]string{
		"production":      {"--headless", "--scenario", "slow", "--env", "production", "--public-api-key", "pk_live_12345678"},
		"api base":        {"--headless", "--scenario", "slow", "--api-base", "http://127.0.0.1:1"},
		"unknown":         {"--headless", "--scenario", "flaky"},
		"serve, unknown":  {"--serve-sandbox", "127.0.0.1:0", "--scenario", "flaky"},
		"window, off box": {"--scenario", "rate-limited", "--env", "production"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runBinary(t, "fail", args...)
			if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--scenario") {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// --serve-sandbox --scenario says which scenario is active, and its
// emulators play it for any client: LiquidCommerce's token call is rate
// limited twice, in its own envelope.
func TestServeSandboxScenario(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, appBinary, "--serve-sandbox", "127.0.0.1:0", "--scenario", "rate-limited")
	cmd.Env = append(os.Environ(), "LIQUIDCOMMERCE_API_KEY=lc-scenario-test-key")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	said := bufio.NewScanner(stderr)
	for said.Scan() && !strings.HasPrefix(said.Text(), "Scenario: ") {
	}
	if want := "Scenario: rate-limited — The first 2 calls after approval answer 429 with Retry-After: 1."; said.Text() != want {
		t.Fatalf("stderr says %q, want %q", said.Text(), want)
	}
	var statuses []int
	for range 3 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSpace(base)+"/liquidcommerce/authentication", nil)
		req.Header.Set("X-LIQUID-API-KEY", "lc-scenario-test-key")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ StatusCode int }
		json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && (resp.Header.Get("Retry-After") != "1" || env.StatusCode != 429) {
			t.Errorf("429 with Retry-After %q and statusCode %d", resp.Header.Get("Retry-After"), env.StatusCode)
		}
		statuses = append(statuses, resp.StatusCode)
	}
	if fmt.Sprint(statuses) != "[429 429 200]" {
		t.Errorf("statuses %v, want [429 429 200]", statuses)
	}
}
