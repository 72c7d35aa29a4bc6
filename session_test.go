package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.`)

func sessionOf(t *testing.T, stdout string) widgetcfg.UserSession {
	t.Helper()
	var cfg widgetcfg.Config
	if err := json.Unmarshal([]byte(stdout), &cfg); err != nil || cfg.Identity == nil || cfg.Identity.UserSession == nil {
		t.Fatalf("stdout is not a widget configuration: %v\n%s", err, stdout)
	}
	return *cfg.Identity.UserSession
}

// TestSavedSessionAcrossLaunches runs the app several times against the real
// Secret Service: save, resume without approval, sign out. Then it checks
// that no secret or JWT reached any file the app wrote or anything it
// printed besides the configuration on stdout.
func TestSavedSessionAcrossLaunches(t *testing.T) {
	testkeyring.System(t)
	config := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	entry := sessions.EntryName(flows.SessionKey{Provider: "qex", Env: "sandbox", APIBase: flows.EmbeddedAPIBase, Account: qexsandbox.DefaultPublicAPIKey})
	var stderrs []string
	var secrets []string
	launch := func(decision string, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runBinaryIn(t, config, decision, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		stderrs = append(stderrs, stderr)
		return stdout, stderr
	}

	out, errOut := launch("approve", "--headless")
	first := sessionOf(t, out)
	secrets = append(secrets, first.SessionSecret)
	if !strings.Contains(errOut, "• Session saved in the system keychain for the next launch.") {
		t.Errorf("first launch:\n%s", errOut)
	}
	if stored, ok := testkeyring.Lookup(t, entry); !ok || !strings.Contains(stored, first.SessionID) {
		t.Fatalf("secret-tool finds %q (%v) for %q", stored, ok, entry)
	}

	// The next launch resumes: a browser that denies is never asked.
	out, errOut = launch("deny", "--headless")
	if resumed := sessionOf(t, out); resumed.SessionID != first.SessionID || resumed.SessionSecret != first.SessionSecret {
		t.Errorf("resumed %s, saved %s", resumed.SessionID, first.SessionID)
	}
	if !strings.Contains(errOut, "• Resumed the saved session from ") || strings.Contains(errOut, "liquid_oauth") {
		t.Errorf("second launch:\n%s", errOut)
	}

	// --no-resume asks again, and its session replaces the saved one.
	out, _ = launch("approve", "--headless", "--no-resume")
	replaced := sessionOf(t, out)
	secrets = append(secrets, replaced.SessionSecret)
	if replaced.SessionID == first.SessionID {
		t.Error("--no-resume resumed")
	}

	_, errOut = launch("deny", "--sign-out")
	if !strings.Contains(errOut, "• Signed out: the session was ended on the server and forgotten here.") {
		t.Errorf("sign-out:\n%s", errOut)
	}
	if _, ok := testkeyring.Lookup(t, entry); ok {
		t.Error("the keychain entry survived --sign-out")
	}
	_, errOut = launch("deny", "--sign-out")
	if !strings.Contains(errOut, "Nothing to sign out") {
		t.Errorf("second sign-out:\n%s", errOut)
	}

	// After signing out, a launch needs approval again.
	out, errOut = launch("approve", "--headless")
	secrets = append(secrets, sessionOf(t, out).SessionSecret)
	if strings.Contains(errOut, "Resumed") {
		t.Error("resumed a signed-out session")
	}

	assertNoSecrets(t, secrets, []string{config, tmp}, stderrs)
}

// assertNoSecrets fails if a secret or a JWT is in any file under dirs or in
// any of the texts.
func assertNoSecrets(t *testing.T, secrets, dirs, texts []string) {
	t.Helper()
	check := func(where, text string) {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s holds a session secret", where)
			}
		}
		if jwtShape.MatchString(text) {
			t.Errorf("%s holds a JWT", where)
		}
	}
	files := 0
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(path)
				check(path, string(data))
				files++
			}
			return nil
		})
	}
	if files == 0 {
		t.Error("the app wrote no files at all: the scan proves nothing")
	}
	for i, text := range texts {
		check("output "+string(rune('0'+i)), text)
	}
}
