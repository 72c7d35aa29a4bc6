// qex-test-browser stands in for a person at a browser in tests: run as
// $BROWSER, it submits the approval page's form with the decision in
// $QEX_TEST_DECISION (approve by default) and follows the redirect back.
// A redirect to a custom-scheme link is opened the way the system would:
// by running $QEX_TEST_OPEN_LINKS_WITH with the link as its argument.
// It appends what happened to $QEX_TEST_BROWSER_LOG, if set.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// openLink launches app with link, as a desktop does for a registered
// scheme, and reports how that launch ended.
func openLink(ctx context.Context, app, link string) string {
	start := time.Now()
	out, err := exec.CommandContext(ctx, app, link).CombinedOutput()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		return fmt.Sprintf("error: cannot open the link: %v\n", err)
	}
	return fmt.Sprintf("opened link: exit %d after %dms: %s\n", code, time.Since(start).Milliseconds(), strings.TrimSpace(string(out)))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: qex-test-browser URL")
		os.Exit(2)
	}
	decision := os.Getenv("QEX_TEST_DECISION")
	if decision == "" {
		decision = "approve"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	visit, err := testbrowser.Submit(ctx, os.Args[1], decision, testbrowser.Options{})
	line := ""
	switch {
	case err != nil:
		line = fmt.Sprintf("error: %v\n", err)
	case visit.Redirect != "" && !strings.HasPrefix(visit.Redirect, "http") && os.Getenv("QEX_TEST_OPEN_LINKS_WITH") != "":
		line = openLink(ctx, os.Getenv("QEX_TEST_OPEN_LINKS_WITH"), visit.Redirect)
	default:
		line = fmt.Sprintf("%s: HTTP %d at %s\n", decision, visit.Status, visit.FinalURL)
	}
	if logPath := os.Getenv("QEX_TEST_BROWSER_LOG"); logPath != "" {
		if f, ferr := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
			f.WriteString(line)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprint(os.Stderr, line)
		os.Exit(1)
	}
}
