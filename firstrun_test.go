package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// launchWindowFresh starts the app's window (bin) as on a first launch (an
// empty HOME) with the locale variables given, waits for the window, quits
// it with SIGTERM and returns what it wrote on stderr.
func launchWindowFresh(t *testing.T, bin, display string, locale []string) string {
	t.Helper()
	home := t.TempDir()
	runtime, err := os.MkdirTemp("/tmp", "qr") // short: the running copy's socket lives here
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(runtime)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	app := exec.CommandContext(ctx, bin)
	app.Env = append(withoutLocale(os.Environ()), append(locale, "DISPLAY="+display, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_RUNTIME_DIR="+runtime)...)
	var stderr bytes.Buffer
	app.Stderr = &stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	find := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^QEX Companion$")
	find.Env = append(os.Environ(), "DISPLAY="+display)
	if ids, err := find.Output(); err != nil || strings.TrimSpace(string(ids)) == "" {
		app.Process.Kill()
		app.Wait()
		t.Fatalf("no window: %v\n%s", err, stderr.String())
	}
	app.Process.Signal(syscall.SIGTERM)
	if err := app.Wait(); err != nil {
		t.Errorf("the app did not end cleanly on SIGTERM: %v\n%s", err, stderr.String())
	}
	return stderr.String()
}

// withoutLocale is env without the variables that choose a locale.
func withoutLocale(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
		default:
			out = append(out, kv)
		}
	}
	return out
}

// TestFirstLaunchIsQuiet: a first launch of the window prints none of
// Fyne's preference or locale errors, under a normal locale, the C.UTF-8
// of containers and SSH sessions, and no locale at all; nor does the
// terminal front end.
func TestFirstLaunchIsQuiet(t *testing.T) {
	display := startXvfb(t)
	for name, locale := range map[string][]string{
		"en_US.UTF-8": {"LANG=en_US.UTF-8"},
		"C.UTF-8":     {"LANG=C.UTF-8"},
		"no locale":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, headless, _ := runBinaryEnv(t, append(withoutLocale(os.Environ()), locale...), "--headless", "--help")
			window := launchWindowFresh(t, appBinary, display, locale)
			for front, stderr := range map[string]string{"--headless --help": headless, "window": window} {
				for _, noise := range []string{"Preferences load error", "Error parsing user locale", "Fyne error"} {
					if strings.Contains(stderr, noise) {
						t.Errorf("%s printed %q:\n%s", front, noise, stderr)
					}
				}
			}
		})
	}
}
