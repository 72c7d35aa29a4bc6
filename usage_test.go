package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// withoutEnv is the test's environment without the named variables.
func withoutEnv(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			env = append(env, kv)
		}
	}
	return env
}

// privateEnv gives the binary folders of its own for settings, data, the
// single-instance socket (a short path: sockets allow about 100 bytes) and
// home, so nothing it does reaches the user's.
func privateEnv(t *testing.T, env []string) []string {
	t.Helper()
	runtimeDir, err := os.MkdirTemp("/tmp", "qx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtimeDir) })
	home := t.TempDir()
	return append(env, "LANG=en_US.UTF-8", "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_RUNTIME_DIR="+runtimeDir)
}

// countingServer refuses every request and counts them: none should come.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		http.Error(w, "not today", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// Command lines that cannot work exit 2 with one line naming the flag,
// before anything is sent: the server here counts every request.
func TestBadCommandLinesExitTwoBeforeSending(t *testing.T) {
	srv, requests := countingServer(t)
	// A flow that would reach the server at once, with no browser involved.
	base := []string{"--headless", "--no-browser", "--callback", "none", "--api-base", srv.URL, "--public-api-key", "pk_sandbox_12345678"}
	cases := []struct {
		name string
		args []string
		flag string
	}{
		{"unbracketed IPv6", []string{"--api-base", "http://::1:8080"}, "--api-base"},
		{"port above 65535", []string{"--api-base", "http://127.0.0.1:65536"}, "--api-base"},
		{"empty api base", []string{"--api-base", ""}, "--api-base"},
		{"100,000-character key", []string{"--public-api-key", "pk_" + strings.Repeat("a", 99997)}, "--public-api-key"},
		{"non-ASCII key", []string{"--public-api-key", "pk_sändbox_12345678"}, "--public-api-key"},
		{"empty key with a custom base", []string{"--public-api-key", ""}, "--public-api-key"},
		{"timeout of 1ns", []string{"--timeout", "1ns"}, "--timeout"},
		{"register and unregister", []string{"--register-scheme", "--unregister-scheme"}, "--register-scheme"},
		{"out is a folder", []string{"--out", t.TempDir()}, "--out"},
		{"out in a folder nobody can write", []string{"--out", "/proc/widget.json"}, "--out"},
		{"widget without headless", []string{"--headless=false", "--widget"}, "--widget"},
		{"api base with a password", []string{"--api-base", "http://user:hunter2@127.0.0.1:8080"}, "--api-base"},
		{"call with a control character", []string{"--call", "GET /accounts?q=\x1b[2Jhunter2"}, "--call"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinaryEnv(t, privateEnv(t, os.Environ()), append(base, tc.args...)...)
			line := strings.TrimSuffix(stderr, "\n")
			// The line never repeats a password, nor a terminal escape as is.
			if code != 2 || stdout != "" || strings.Contains(line, "\n") || !strings.HasPrefix(line, "qex-companion: "+tc.flag) || len(line) > 300 ||
				strings.Contains(line, ":hunter2@") || strings.ContainsRune(line, 0x1b) {
				t.Errorf("exit %d, stdout %q, stderr %.400q", code, stdout, stderr)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// A secret input only the environment gives, missing with no saved
// session to bring it back, is bad usage like a missing flag: exit 2, the
// variable named in the last line, nothing sent.
func TestMissingEnvironmentInputsExitTwoBeforeSending(t *testing.T) {
	srv, requests := countingServer(t)
	for name, tc := range map[string]struct {
		args     []string
		variable string
	}{
		"LiquidCommerce API key":            {[]string{"--provider", "liquidcommerce"}, "$LIQUIDCOMMERCE_API_KEY"},
		"client secret, client credentials": {[]string{"--provider", "oauth2", "--grant", "client_credentials", "--client-id", "app_12345678"}, "$LIQUID_CLIENT_SECRET"},
	} {
		t.Run(name, func(t *testing.T) {
			env := privateEnv(t, withoutEnv("LIQUIDCOMMERCE_API_KEY", "LIQUID_CLIENT_SECRET", "DBUS_SESSION_BUS_ADDRESS"))
			_, stderr, code := runBinaryEnv(t, env, append([]string{"--headless", "--no-browser", "--api-base", srv.URL}, tc.args...)...)
			if last := lastLine(stderr); code != 2 || !strings.HasPrefix(last, "qex-companion: ") || !strings.Contains(last, tc.variable) || strings.Contains(stderr, "panic") {
				t.Errorf("exit %d, last line %q; want exit 2 naming %s\n%s", code, last, tc.variable, stderr)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// Without a display, the window's launches say so in a sentence and exit 2
// instead of a GLFW panic.
func TestNoDisplayExitsTwoWithOneLine(t *testing.T) {
	const noDisplay = "qex-companion: no display: use --headless (or set DISPLAY)"
	for name, args := range map[string][]string{
		"plain launch":                  nil,
		"--connect":                     {"--connect"},
		"deep link, no running copy":    {"io.qexcompanion.app:/callback?state=abc"},
		"--widget, not headless":        {"--widget"},
		"--callback deeplink, windowed": {"--callback", "deeplink"},
	} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runBinaryEnv(t, privateEnv(t, withoutEnv("DISPLAY", "WAYLAND_DISPLAY")), args...)
			line := strings.TrimSuffix(stderr, "\n")
			if code != 2 || stdout != "" || strings.Contains(line, "\n") || strings.Contains(line, "panic") {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
			if name != "--widget, not headless" && line != noDisplay {
				t.Errorf("stderr %q, want %q", line, noDisplay)
			}
		})
	}
	// A DISPLAY naming no running X server: an SSH session whose
	// forwarding is gone, DISPLAY=:0 in a container.
	for _, display := range []string{":" + freeDisplayNumber(t), "127.0.0.1:" + freeDisplayNumber(t) + ".0"} {
		t.Run("DISPLAY="+display, func(t *testing.T) {
			stdout, stderr, code := runBinaryEnv(t, append(privateEnv(t, withoutEnv("DISPLAY", "WAYLAND_DISPLAY")), "DISPLAY="+display), "--connect")
			if want := "qex-companion: cannot open display " + display + ": use --headless, or check DISPLAY\n"; code != 2 || stdout != "" || stderr != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, want)
			}
		})
	}
}

// freeDisplayNumber is an X display number no server listens on, locally
// or by TCP.
func freeDisplayNumber(t *testing.T) string {
	t.Helper()
	for n := 4242; n < 4300; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 6000+n)); err == nil {
			l.Close()
			return strconv.Itoa(n)
		}
	}
	t.Fatal("no free display number")
	return ""
}
