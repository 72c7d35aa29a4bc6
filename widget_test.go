package main

import (
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
	pageURL := strings.TrimPrefix(app.waitFor(t, `Widget page: http://127\.0\.0\.1:\d+/`), "Widget page: ")

	page, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	token := strings.Split(strings.Split(string(body), `name="qex-host-token" content="`)[1], `"`)[0]
	req, _ := http.NewRequest("POST", pageURL+"events", strings.NewReader(`{"event":"ui_event","data":{"ui_event":"button_clicked","value":"continue","target":"quote"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", strings.TrimSuffix(pageURL, "/"))
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
