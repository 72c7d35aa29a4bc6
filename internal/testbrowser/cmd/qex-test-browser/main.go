// qex-test-browser stands in for a person at a browser in tests: run as
// $BROWSER, it submits the approval page's form with the decision in
// $QEX_TEST_DECISION (approve by default) and follows the redirect back.
// It appends what happened to $QEX_TEST_BROWSER_LOG, if set.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

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
	if err != nil {
		line = fmt.Sprintf("error: %v\n", err)
	} else {
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
