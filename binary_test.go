package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The desktop binary links what the app runs and nothing a server or a
// developer needs: the broker's database drivers and metrics live in
// qex-broker, and the broker's log is discarded in the sandbox, so slog is
// not linked either (each of these is binary size a user downloads).
func TestTheDesktopBinaryLinksNoServerOnlyPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, unwanted := range []string{"log/slog", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/prometheus/", "/internal/broker/sqlstore", "/internal/testbrowser"} {
			if strings.Contains(pkg, unwanted) {
				t.Errorf("the desktop binary links %s", pkg)
			}
		}
	}
}
