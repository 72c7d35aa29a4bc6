package webbrowser_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/webbrowser"
)

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080/x?y=1", "https://partners.liquid.com/api/v1/session/a/liquid_oauth"} {
		if err := webbrowser.CheckURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"file:///etc/passwd", "javascript:alert(1)", "io.qexcompanion.app:/callback", "/relative", "http://", "-flag", "ftp://x/y"} {
		if err := webbrowser.CheckURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// fakeBrowser writes a script that records its arguments, and sets $BROWSER
// to it followed by an extra word.
func fakeBrowser(t *testing.T) string {
	dir := t.TempDir()
	record := filepath.Join(dir, "args")
	script := filepath.Join(dir, "browser")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+record+".tmp && mv "+record+".tmp "+record+"\n"), 0o755)
	t.Setenv("BROWSER", script+" --new-window")
	return record
}

func TestOpenUsesBROWSER(t *testing.T) {
	record := fakeBrowser(t)
	url := "http://127.0.0.1:9/approve?a=1&b=2"
	if err := webbrowser.Open(url); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := os.ReadFile(record)
		if err == nil {
			if want := "--new-window\n" + url + "\n"; string(got) != want {
				t.Errorf("browser got %q, want %q", got, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("$BROWSER was not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOpenRefusesOtherSchemesBeforeRunningAnything(t *testing.T) {
	record := fakeBrowser(t)
	err := webbrowser.Open("file:///etc/passwd")
	if err == nil || !strings.Contains(err.Error(), "only http and https URLs are opened") {
		t.Errorf("err = %v", err)
	}
	time.Sleep(100 * time.Millisecond) // give a wrongly started browser time to write
	if _, err := os.Stat(record); err == nil {
		t.Error("$BROWSER ran for a file URL")
	}
}

func TestOpenReportsAMissingBROWSER(t *testing.T) {
	t.Setenv("BROWSER", "/nonexistent/browser")
	if err := webbrowser.Open("https://example.com"); err == nil || !strings.Contains(err.Error(), "cannot start $BROWSER") {
		t.Errorf("err = %v", err)
	}
}

// A $BROWSER that runs and fails opened nothing: the window must say so,
// not "the approval page opened in your browser".
func TestOpenReportsABROWSERThatFails(t *testing.T) {
	t.Setenv("BROWSER", "false")
	err := webbrowser.Open("https://example.com/approve")
	if err == nil || !strings.Contains(err.Error(), "$BROWSER (false) failed") {
		t.Fatalf("Open with BROWSER=false: %v", err)
	}
}
