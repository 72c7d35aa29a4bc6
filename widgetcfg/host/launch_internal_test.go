package host

import (
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// TestLaunchLinksExpire: a link nobody opened within launchTTL opens nothing.
func TestLaunchLinksExpire(t *testing.T) {
	h, err := Start(Options{
		ScriptURL: "http://127.0.0.1:1" + ScriptPath,
		Config:    func() widgetcfg.Config { return widgetcfg.Config{} },
		OnEvent:   func(Event) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	clock := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	h.now = func() time.Time { return clock }
	nonce := func(link string) string { return strings.Split(link, "#launch=")[1] }

	stale, fresh := nonce(h.LaunchURL()), nonce(h.HostedLaunchURL())
	clock = clock.Add(launchTTL + time.Second)
	if h.useLaunch(stale) {
		t.Error("a link older than launchTTL was accepted")
	}
	late := nonce(h.LaunchURL()) // minting prunes expired links
	if len(h.launches) != 1 {
		t.Errorf("%d links kept, want only the one just minted", len(h.launches))
	}
	clock = clock.Add(launchTTL - time.Second)
	if !h.useLaunch(late) || h.useLaunch(late) {
		t.Error("a link within launchTTL did not work exactly once")
	}
	if h.useLaunch(fresh) {
		t.Error("an expired hosted link was accepted")
	}
}
