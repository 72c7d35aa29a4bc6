package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHeadlessWidget: --widget keeps running after the flow, names the
// widget page on stderr and prints each widget event as one JSON line on
// stdout until interrupted.
func TestHeadlessWidget(t *testing.T) {
	env := linkEnv(t)
	out := filepath.Join(t.TempDir(), "widget.json")
	app := startApp(t, env, "--headless", "--widget", "--out", out) // the scripted user approves; it cannot run the widget page
	link := strings.TrimPrefix(app.waitFor(t, `Widget page: http://127\.0\.0\.1:\d+/#launch=[0-9a-f]{64}`), "Widget page: ")

	// What the page's script does: spend the link's nonce for the token.
	origin, nonce, _ := strings.Cut(link, "/#launch=")
	req, _ := http.NewRequest("POST", origin+"/launch", strings.NewReader(`{"launch":"`+nonce+`"}`))
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("launching the widget page: %v %v", resp, err)
	}
	var launched struct{ Token string }
	json.NewDecoder(io.LimitReader(resp.Body, 1<<10)).Decode(&launched) //nolint:errcheck // an empty token fails below
	resp.Body.Close()
	req, _ = http.NewRequest("POST", origin+"/events", strings.NewReader(`{"event":"ui_event","data":{"ui_event":"button_clicked","value":"continue","target":"quote"}}`))
	req.Header.Set("Authorization", "Bearer "+launched.Token)
	req.Header.Set("Origin", origin)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("relaying an event: %v %v", resp, err)
	}
	app.waitFor(t, "Press Ctrl\\+C to stop")

	app.cmd.Process.Signal(syscall.SIGINT)
	if code := app.wait(t); code != 0 {
		t.Errorf("exit %d after Ctrl+C:\n%s", code, app.log())
	}
	if got := app.stdout.String(); got != `{"event":"ui_event","data":{"ui_event":"button_clicked","value":"continue","target":"quote"}}`+"\n" {
		t.Errorf("stdout %q", got)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "session_secret") {
		t.Errorf("--out: %v", err)
	}
}
