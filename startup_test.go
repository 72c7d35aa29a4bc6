package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowStartsWithoutADataRace launches the window built with the race
// detector, in English and in Japanese: its first screen is built on
// another goroutine while Fyne creates the window (ui.OpenMainWindow), and
// nothing of it may be touched by both at once. The race detector reports
// on stderr and makes the exit status 66.
func TestWindowStartsWithoutADataRace(t *testing.T) {
	display := startXvfb(t)
	bin := filepath.Join(t.TempDir(), "qex-companion-race")
	if out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building with -race: %v\n%s", err, out)
	}
	for _, lang := range []string{"en_US.UTF-8", "ja_JP.UTF-8"} {
		for range 2 {
			if stderr := launchWindowFresh(t, bin, display, []string{"LANG=" + lang}); strings.Contains(stderr, "DATA RACE") {
				t.Fatalf("%s: a data race while the window started:\n%s", lang, stderr)
			}
		}
	}
}
