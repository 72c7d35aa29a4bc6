package qex_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/chromium"
)

// TestApproveInChromium has a real browser load the sandbox's consent page,
// press Approve, and follow the redirect to the loopback receiver: the
// browser's own rules (CSP, redirects after a form post) apply here.
func TestApproveInChromium(t *testing.T) {
	ctx := chromium.NewContext(t, 60*time.Second)
	sb := flowtest.StartSandbox(t)
	flow := newFlow(t, sb, func(c *flows.EngineConfig) { c.PollMin, c.PollMax = time.Hour, time.Hour })
	rec := flowtest.NewRecorder()
	done := make(chan error, 1)
	go func() { _, err := flow.Run(context.Background(), rec.Emit); done <- err }()
	ready := <-rec.Ready

	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	step(chromedp.Do(ctx, chromedp.Navigate(ready.URL), chromedp.WaitVisible(`button[value="approve"]`)))
	consentText, err := chromedp.Run(ctx, chromedp.Text("main"))
	step(err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	step(err)
	step(chromedp.Do(ctx, chromedp.Click(`button[value="approve"]`), chromedp.WaitVisible(`//h1[contains(., "connected")]`)))
	landedText, err := chromedp.Run(ctx, chromedp.Text("body"))
	step(err)
	landedURL, err := chromedp.Run(ctx, chromedp.Location())
	step(err)
	if !strings.Contains(consentText, "Connect your Liquid account") || !strings.Contains(consentText, "pk_sandbox_") {
		t.Errorf("consent page text: %s", consentText)
	}
	if !strings.HasPrefix(landedURL, ready.ReturnURL) || !strings.Contains(landedText, "You can close this tab and return to QEX Companion") {
		t.Errorf("landed on %s: %s", landedURL, landedText)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the flow did not complete after approval in Chromium")
	}
	if via := flowtest.Find[flows.Approved](rec)[0].Via; via != msg.ViaReturn {
		t.Errorf("approved via %q", via)
	}
	if dir := os.Getenv("QEX_SCREENSHOT_DIR"); dir != "" {
		os.WriteFile(dir+"/consent.jpg", shot, 0o644)
	}
}
