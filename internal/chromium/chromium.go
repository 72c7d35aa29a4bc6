// Package chromium starts Debian's headless Chromium for browser tests, with
// the flags that keep it off the network this machine cannot reach.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package installs the browser.
const Path = "/usr/bin/chromium"

// NewContext returns a chromedp context for one test, closed when it ends.
// Without Chromium the test is skipped, unless QEX_REQUIRE_CHROMIUM is set
// (as `make test` does), where a missing browser is a failure.
func NewContext(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	return NewContextIn(t, timeout, "")
}

// NewContextIn is NewContext for a browser whose user prefers languages
// (an Accept-Language list such as "ja,en"; "" for Chromium's default).
func NewContextIn(t *testing.T, timeout time.Duration, languages string) context.Context {
	t.Helper()
	if _, err := exec.LookPath(Path); err != nil {
		if os.Getenv("QEX_REQUIRE_CHROMIUM") != "" {
			t.Fatalf("Chromium is required but %s is missing: run make deps", Path)
		}
		t.Skipf("no Chromium at %s (make deps installs it)", Path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	if languages != "" {
		opts = append(opts, chromedp.Flag("accept-lang", languages), chromedp.Flag("lang", languages))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}
