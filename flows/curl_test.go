package flows_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
)

// shellArgs runs command in a real shell with curl standing in as a
// function that prints its arguments, and returns them: what curl would
// have been given. It fails if the shell ran anything else.
func shellArgs(t *testing.T, command string) []string {
	t.Helper()
	dir := t.TempDir()
	script := "curl() { printf '%s\\0' \"$@\" >>args; }\n" + command
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("the shell said %q (%v) to:\n%s", out, err, command)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatalf("curl never ran: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("the command made files: %v", files)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
}

func TestCurlIsOneRedactedCommand(t *testing.T) {
	for _, ex := range secretExchanges(t) {
		command := ex.Curl()
		if !strings.HasPrefix(command, "# Secrets, tokens and JWTs were replaced by [redacted]: fill them in") {
			t.Errorf("no note:\n%s", command)
		}
		for _, secret := range exchangeSecrets {
			if strings.Contains(command, secret) {
				t.Errorf("the command holds %q:\n%s", secret, command)
			}
		}
		args := shellArgs(t, command)
		if !slices.Contains(args, ex.URL) || !slices.Contains(args, ex.Method) || !slices.Contains(args, "--globoff") {
			t.Errorf("curl got %q for %s %s", args, ex.Method, ex.URL)
		}
		if ex.Method == "POST" && (!slices.Contains(args, "X-Partner-Ref: ref 42") || !slices.Contains(args, ex.RequestBody) ||
			!strings.Contains(command, "client_secret=[redacted]") || !strings.Contains(command, "Authorization: Bearer [redacted]")) {
			t.Errorf("POST: curl got %q", args)
		}
	}
}

// Whatever a header, URL or body holds reaches curl as it is: the shell
// expands nothing and runs nothing.
func TestCurlQuotesHostileValues(t *testing.T) {
	hostile := `it's $(touch pwned) ` + "`touch pwned2`" + ` "$HOME" \ ; & | > out`
	ex := flows.HTTPExchange{Method: "PUT", URL: "https://partners.example/x?q=it's&r=$(id)",
		RequestHeaders: "Content-Type: application/json\nX-Note: " + hostile + "\n",
		RequestBody:    "{\n  \"note\": \"" + hostile + "\"\n}"}
	args := shellArgs(t, ex.Curl())
	want := []string{"--globoff", "-X", "PUT", ex.URL, "-H", "Content-Type: application/json", "-H", "X-Note: " + hostile, "--data-raw", ex.RequestBody}
	if !slices.Equal(args, want) {
		t.Errorf("curl got\n%q\nwant\n%q", args, want)
	}
}
