package main

import (
	"os"
	"strings"
	"testing"
)

// Headless output is for scripts and logs: it stays English on a Japanese
// system, where the window speaks Japanese.
func TestHeadlessStaysEnglishUnderAJapaneseLocale(t *testing.T) {
	env := append(os.Environ(), "BROWSER="+browserBinary, "QEX_TEST_DECISION=approve",
		"XDG_CONFIG_HOME="+t.TempDir(), "LANG=ja_JP.UTF-8", "LC_ALL=ja_JP.UTF-8", "LANGUAGE=ja")
	_, stderr, code := runBinaryEnv(t, env, "--headless")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"Approved (noticed via the browser's return).", "CURRENCY  SYMBOL  BALANCE"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("headless under ja_JP lacks the English %q:\n%s", want, stderr)
		}
	}
}
