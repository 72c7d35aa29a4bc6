// Package webbrowser opens a URL in the user's browser: $BROWSER first, as
// terminal users expect, then the desktop's default handler.
package webbrowser

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/pkg/browser"
)

// CheckURL accepts only absolute http and https URLs, so nothing handed to a
// browser can start another program through a custom scheme or a file path.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("refusing to open %q in a browser: only http and https URLs are opened", raw)
	}
	return nil
}

// desktopWait is how long Open waits for $BROWSER or the desktop opener to
// report a failure; openers such as xdg-open may block until the browser
// exits.
const desktopWait = 3 * time.Second

// Open opens rawURL with the command in $BROWSER (its words, then the URL),
// or else the desktop's default browser. It returns once the browser has
// been started, never waiting for the user.
func Open(rawURL string) error {
	if err := CheckURL(rawURL); err != nil {
		return err
	}
	if cmdline := strings.Fields(os.Getenv("BROWSER")); len(cmdline) > 0 {
		cmd := exec.Command(cmdline[0], append(cmdline[1:], rawURL)...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("cannot start $BROWSER (%s): %w", cmdline[0], err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil { // e.g. BROWSER=false, or an opener that found no browser
				return fmt.Errorf("$BROWSER (%s) failed: %w", cmdline[0], err)
			}
			return nil
		case <-time.After(desktopWait):
			return nil // still running: a browser that stays in the foreground
		}
	}
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	done := make(chan error, 1)
	go func() { done <- browser.OpenURL(rawURL) }()
	select {
	case err := <-done:
		if err != nil {
			return errors.New("no browser could be started on this machine")
		}
		return nil
	case <-time.After(desktopWait):
		return nil
	}
}
