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

// TestQuitAfterFyneEndedTheLoop replays the SIGTERM race in order: Fyne's
// own signal handler ends the run loop, then the app's asks to quit. Asked
// with fyne.Do, the late quit closes the window with GLFW terminated and
// panics (the replay is faithful); asked as the window now asks
// (uiloop.Next), it never runs, and a quit asked that way while the loop
// runs does end the app.
func TestQuitAfterFyneEndedTheLoop(t *testing.T) {
	display := startXvfb(t)
	bin := filepath.Join(t.TempDir(), "quitrace")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/quitrace").CombinedOutput(); err != nil {
		t.Fatalf("building the replay: %v\n%s", err, out)
	}
	run := func(mode string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, mode)
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+t.TempDir(), "LANG=en_US.UTF-8")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("fyne.Do"); err == nil || !strings.Contains(out, "NotInitialized") {
		t.Errorf("the replay with fyne.Do should panic as the app did (NotInitialized), got %v:\n%s", err, out)
	}
	for _, mode := range []string{"uiloop", "uiloop-running"} {
		if out, err := run(mode); err != nil || !strings.Contains(out, "exited cleanly") || strings.Contains(out, "panic") {
			t.Errorf("%s: %v\n%s", mode, err, out)
		}
	}
}

// TestSIGTERMWhileStartingQuitsCleanly sends SIGTERM to the real window
// app at its earliest moments, several times: as soon as it has claimed the
// running copy's endpoint (its handler is in place; Fyne has not started),
// and as soon as its window exists. It must exit 0, without a panic.
func TestSIGTERMWhileStartingQuitsCleanly(t *testing.T) {
	display := startXvfb(t)
	for i := range 3 {
		for _, moment := range []string{"endpoint", "window"} {
			home := t.TempDir()
			runtime, err := os.MkdirTemp("/tmp", "qr") // short: the running copy's socket lives here
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(runtime)
			created := watchCreations(t, runtime)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			app := exec.CommandContext(ctx, appBinary)
			app.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+home, "LANG=en_US.UTF-8",
				"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_RUNTIME_DIR="+runtime)
			var log bytes.Buffer
			app.Stdout, app.Stderr = &log, &log
			if err := app.Start(); err != nil {
				t.Fatal(err)
			}
			if moment == "endpoint" {
				<-created
			} else {
				find := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--name", "^QEX Companion$")
				find.Env = append(os.Environ(), "DISPLAY="+display)
				if ids, err := find.Output(); err != nil || strings.TrimSpace(string(ids)) == "" {
					t.Errorf("launch %d: no window: %v", i, err)
				}
			}
			app.Process.Signal(syscall.SIGTERM)
			err = app.Wait()
			if err != nil || strings.Contains(log.String(), "panic") {
				t.Errorf("launch %d, SIGTERM at its %s: %v\n%s", i, moment, err, log.String())
			}
		}
	}
}

// watchCreations reports the first file or folder created in dir.
func watchCreations(t *testing.T, dir string) <-chan struct{} {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	created := make(chan struct{})
	go func() {
		defer syscall.Close(fd)
		defer close(created)
		if _, err := syscall.Read(fd, make([]byte, syscall.SizeofInotifyEvent+syscall.PathMax+1)); err != nil {
			t.Errorf("watching %s: %v", dir, err)
		}
	}()
	return created
}
