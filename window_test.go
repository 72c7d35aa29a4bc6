package main

import (
	"bufio"
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startXvfb starts a virtual X server on a free display and returns its
// DISPLAY value. Without Xvfb the test is skipped, unless
// QEX_REQUIRE_DISPLAY is set (as `make test` does).
func startXvfb(t *testing.T) string {
	t.Helper()
	requireDisplayTools(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -displayfd: Xvfb picks a free display and writes its number on fd 3.
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { xvfb.Process.Kill(); xvfb.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report a display")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start")
	}
	return ""
}

// requireDisplayTools skips the test when Xvfb, xdotool or ImageMagick's
// import is missing, or fails it when QEX_REQUIRE_DISPLAY is set.
func requireDisplayTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("QEX_REQUIRE_DISPLAY") != "" {
				t.Fatalf("%s is required but missing: run make deps", tool)
			}
			t.Skipf("no %s (make deps installs it)", tool)
		}
	}
}

// TestRealWindowSmoke runs the built app in a real window: --connect starts
// the flow, a scripted user approves in the "browser", --out receives the
// configuration, and the window is photographed.
func TestRealWindowSmoke(t *testing.T) {
	display := startXvfb(t)
	dir := t.TempDir()                               // the app's HOME: everything in it is scanned for secrets
	out := filepath.Join(t.TempDir(), "widget.json") // where the secret belongs
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runtime, err := os.MkdirTemp("/tmp", "qr") // where the running copy listens
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(runtime)
	env := append(os.Environ(), "DISPLAY="+display, "BROWSER="+browserBinary, "LANG=en_US.UTF-8",
		"HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_RUNTIME_DIR="+runtime)
	app := exec.CommandContext(ctx, appBinary, "--connect", "--out", out)
	app.Env = env
	var log bytes.Buffer
	app.Stdout, app.Stderr = &log, &log
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	stop := func() {
		app.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the app did not end cleanly on SIGTERM: %v", err)
			}
		case <-time.After(15 * time.Second):
			app.Process.Kill()
			t.Error("the app did not quit on SIGTERM")
		}
	}

	// The window appears with the exact title.
	find := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "^QEX Companion$")
	find.Env = append(os.Environ(), "DISPLAY="+display)
	if ids, err := find.Output(); err != nil || strings.TrimSpace(string(ids)) == "" {
		stop()
		t.Fatalf("no window titled QEX Companion: %v\n%s", err, log.String())
	}

	// The flow completes: the configuration arrives in --out.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if data, err := os.ReadFile(out); err == nil && bytes.Contains(data, []byte(`"session_secret"`)) {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("--out was never written\n%s", log.String())
		}
		select {
		case err := <-exited:
			t.Fatalf("the app exited early (%v)\n%s", err, log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("--out mode %v", st.Mode().Perm())
	}

	// A second launch brings this window to the front and exits; one with
	// a link hands it over (nothing waits for it now: the window says so).
	for args, want := range map[string]string{
		"": "QEX Companion is already running: its window was brought to the front.",
		"io.qexcompanion.app:/callback?state=late": "Handed the link to the QEX Companion that is already running.",
	} {
		second := exec.CommandContext(ctx, appBinary)
		if args != "" {
			second.Args = append(second.Args, args)
		}
		second.Env = env
		if got, err := second.CombinedOutput(); err != nil || !strings.Contains(string(got), want) {
			t.Errorf("second launch %q: %v: %s", args, err, got)
		}
	}

	// The window has drawn something. A busy machine may still be painting
	// after the raise: look again until it has, within a deadline.
	shot := filepath.Join(dir, "window.png")
	for deadline := time.Now().Add(15 * time.Second); ; {
		imp := exec.CommandContext(ctx, "import", "-window", "root", shot)
		imp.Env = append(os.Environ(), "DISPLAY="+display)
		if msg, err := imp.CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v %s", err, msg)
		}
		n := screenshotColours(t, shot)
		if n >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the screenshot has %d colours: nothing was drawn", n)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if dir := os.Getenv("QEX_SCREENSHOT_DIR"); dir != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(dir, "window-smoke.png"), data, 0o644)
	}
	stop()

	for _, bad := range []string{"Error in Fyne call thread", "panic:", "goroutine "} {
		if strings.Contains(log.String(), bad) {
			t.Errorf("the app logged %q:\n%s", bad, log.String())
		}
	}
	data, _ := os.ReadFile(out)
	assertNoSecrets(t, []string{sessionOf(t, string(data)).SessionSecret}, []string{dir}, []string{log.String()})
}

// screenshotColours counts the colours of a sample of the PNG at path: a
// window that drew nothing has one or two.
func screenshotColours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	colors := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(colors)
}

// privateKeyring starts a D-Bus session of its own with an unlocked
// gnome-keyring on it, as `make test` does for the whole suite, and
// returns its address; both stop when t ends. env gives the daemons their
// HOME and XDG_RUNTIME_DIR, where the keyring keeps its files and its
// control socket: nothing is shared with another keyring.
func privateKeyring(t *testing.T, env []string) string {
	t.Helper()
	for _, tool := range []string{"dbus-daemon", "gdbus", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required but missing: run make deps", tool)
		}
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	bus.Env = env
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Signal(syscall.SIGTERM); bus.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	var address string
	select {
	case address = <-line:
	case <-time.After(20 * time.Second):
	}
	if address == "" {
		t.Fatal("dbus-daemon did not report its address")
	}
	env = append(slices.Clone(env), "DBUS_SESSION_BUS_ADDRESS="+address)
	keyring := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	keyring.Env, keyring.Stdin = env, strings.NewReader("qex-test") // the password unlocks it
	if err := keyring.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keyring.Process.Signal(syscall.SIGTERM); keyring.Wait() })
	// Ready once it serves the secrets on the bus.
	ready := exec.Command("gdbus", "wait", "--session", "--timeout", "20", "org.freedesktop.secrets")
	ready.Env = env
	if out, err := ready.CombinedOutput(); err != nil {
		t.Fatalf("the keyring did not come up on the private bus: %v\n%s", err, out)
	}
	return address
}

// Each private keyring is its own: what a walk keeps in one, another run's
// walk (or the rest of the suite) does not find.
func TestPrivateKeyringsShareNothing(t *testing.T) {
	envA, envB := privateEnv(t, withoutEnv("DBUS_SESSION_BUS_ADDRESS")), privateEnv(t, withoutEnv("DBUS_SESSION_BUS_ADDRESS"))
	a, b := privateKeyring(t, envA), privateKeyring(t, envB)
	secretTool := func(bus string, args ...string) (string, error) {
		cmd := exec.Command("secret-tool", args...)
		cmd.Env, cmd.Stdin = append(slices.Clone(envA), "DBUS_SESSION_BUS_ADDRESS="+bus), strings.NewReader("kept-in-a")
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	if _, err := secretTool(a, "store", "--label", "private keyring test", "service", "qex-private-keyring-test", "username", "u"); err != nil {
		t.Fatalf("storing in the first keyring: %v", err)
	}
	if got, err := secretTool(a, "lookup", "service", "qex-private-keyring-test", "username", "u"); err != nil || got != "kept-in-a" {
		t.Errorf("the first keyring gives %q, %v", got, err)
	}
	for name, bus := range map[string]string{"the second keyring": b, "the suite's": os.Getenv("DBUS_SESSION_BUS_ADDRESS")} {
		if bus == "" {
			continue // no suite keyring: nothing to compare with
		}
		if got, err := secretTool(bus, "lookup", "service", "qex-private-keyring-test", "username", "u"); err == nil || got != "" {
			t.Errorf("%s finds what the first keeps: %q", name, got)
		}
	}
}
