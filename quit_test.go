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

// TestQuitEndsTheProcessWhenFyneShutdownDeadlocks replays, every time, the
// Fyne 2.7.1 deadlock that left the window app running a few times in a
// hundred quits (testdata/quithang): without a guard, the program's own
// goroutines show ShowAndRun waiting forever on Fyne's lifecycle worker,
// which waits forever on the drained main queue; with the guard, wired as
// main.go wires it, the program exits 0 after its grace, with its cleanup
// done once and one line saying why.
func TestQuitEndsTheProcessWhenFyneShutdownDeadlocks(t *testing.T) {
	display := startXvfb(t)
	bin := filepath.Join(t.TempDir(), "quithang")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/quithang").CombinedOutput(); err != nil {
		t.Fatalf("building the replay: %v\n%s", err, out)
	}
	run := func(mode string) (stdout, stderr string, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, mode)
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+t.TempDir(), "LANG=en_US.UTF-8")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		return out.String(), errOut.String(), err
	}
	out, errOut, err := run("bare")
	if code := exitCode(t, err); code != 3 || !strings.Contains(out, "deadlocked") {
		t.Fatalf("the replay without the guard should deadlock as the app did (exit 3, \"deadlocked\"), got exit %d (%v):\n%s%s", code, err, out, errOut)
	}
	out, errOut, err = run("guarded")
	if err != nil {
		t.Fatalf("with the guard the stalled quit should exit 0, got %v:\n%s%s", err, out, errOut)
	}
	if strings.Contains(out, "ShowAndRun returned") {
		t.Errorf("the replay did not stall (ShowAndRun returned), so the guard was not tested:\n%s", out)
	}
	if n := strings.Count(out, "cleaned up"); n != 1 {
		t.Errorf("the cleanup ran %d times, want once:\n%s", n, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "shutdown did not finish") {
		t.Errorf("stderr should be one line naming the stalled shutdown, got:\n%s", errOut)
	}
}
