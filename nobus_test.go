//go:build linux

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Where no D-Bus session exists (SSH, CI, containers), a headless run works
// without a keychain, says so once, and leaves no dbus-daemon or
// gnome-keyring-daemon behind: the keychain library would otherwise
// autolaunch a pair per run.
func TestHeadlessWithoutSessionBusLeavesNoDaemons(t *testing.T) {
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a per-user session bus, found without the environment")
	}
	// Daemons started for this run inherit its environment: the mark tells
	// them from those of other tests and other users of the machine.
	var b [8]byte
	rand.Read(b[:])
	mark := "QEX_TEST_RUN=" + hex.EncodeToString(b[:])
	env := privateEnv(t, withoutEnv("DBUS_SESSION_BUS_ADDRESS"))
	env = append(env, mark, "BROWSER="+browserBinary, "QEX_TEST_DECISION=approve")
	t.Cleanup(func() {
		for _, pid := range daemonsMarked(t, mark) {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	})
	stdout, stderr, code := runBinaryEnv(t, env, "--headless")
	if code != 0 || !strings.Contains(stdout, `"session_secret"`) {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	// Saving overlaps the printing of the result, yet the keychain's
	// failure is still said, in one line, after the result.
	warning := strings.Index(stderr, "Note: No system keychain: this session will be forgotten when you quit")
	if result := strings.Index(stderr, "CURRENCY"); warning < 0 || result < 0 || warning < result || strings.Count(stderr, "No system keychain") != 1 {
		t.Errorf("the keychain's failure is not said once, after the result:\n%s", stderr)
	}
	if left := daemonsMarked(t, mark); len(left) > 0 {
		t.Errorf("the run left %d D-Bus or keyring daemons behind: pids %v", len(left), left)
	}
}

// daemonsMarked lists the running dbus-daemon and gnome-keyring-daemon
// processes whose environment holds mark.
func daemonsMarked(t *testing.T, mark string) []int {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/comm")
	if err != nil || len(procs) == 0 {
		t.Fatalf("no processes to look at in /proc: %v", err)
	}
	var pids []int
	for _, commFile := range procs {
		dir := filepath.Dir(commFile)
		comm, _ := os.ReadFile(commFile)
		if name := strings.TrimSpace(string(comm)); name != "dbus-daemon" && name != "gnome-keyring-d" {
			continue
		}
		environ, _ := os.ReadFile(filepath.Join(dir, "environ"))
		if slices.Contains(strings.Split(string(environ), "\x00"), mark) {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			pids = append(pids, pid)
		}
	}
	return pids
}
