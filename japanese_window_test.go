package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/qexcompanion/qex-companion/internal/layoutprobe"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// TestRealWindowSpeaksJapaneseWhenThingsGoWrong runs the real app in a
// real window under Xvfb with a Japanese desktop (LANG=ja_JP.UTF-8) through
// a refused connection, a denial in the browser, a timeout, an invalid key
// and an invalid widget configuration. Each time the message a user must
// read is read from the live widget tree: it is Japanese, and no text of
// the window holds an English sentence outside what it quotes in 「」, a
// character broken into bytes (�), or a line that starts with closing
// punctuation.
func TestRealWindowSpeaksJapaneseWhenThingsGoWrong(t *testing.T) {
	requireDisplayTools(t)
	bin := filepath.Join(t.TempDir(), "qex-companion-probe")
	if out, err := exec.Command("go", "build", "-tags", "layoutprobe", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the app with the layout probe: %v\n%s", err, out)
	}
	// A port nothing answers at: taken, then given back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	for _, c := range []struct {
		name     string
		decision string // the test browser's answer on the approval page; "" records the URL only
		args     []string
		says     string // a fragment of the Japanese message the user must read
		then     func(r *layoutRun)
	}{
		{name: "refused", args: []string{"--connect", "--api-base", closed}, says: "接続を拒否されました"},
		{name: "denied", decision: "deny", args: []string{"--connect"}, says: "リクエストが拒否されました"},
		{name: "timeout", args: []string{"--connect", "--timeout", "3s"}, says: "時間切れ"},
		{name: "invalid-key", says: "公開APIキーではありません",
			then: func(r *layoutRun) {
				// The key field holds the sandbox's key: replace it.
				var key string
				r.waitFor("the key field", func(w layoutprobe.Window) bool {
					for _, o := range placedTexts(w) {
						if strings.HasPrefix(o.Text, "pk_") {
							key = o.Text
						}
					}
					return key != ""
				})
				r.click(key)
				r.xdotool("key", "ctrl+a")
				r.xdotool("type", "--delay", "20", "zzz")
				r.xdotool("key", "Return")
			}},
		{name: "invalid-widget-configuration", decision: "approve", args: []string{"--connect"}, says: "言語タグではありません",
			then: func(r *layoutRun) {
				r.waitFor("the balances", func(w layoutprobe.Window) bool { return r.selectedTab(w, "Balances") })
				r.click("Widget editor")
				r.waitFor("the widget editor", func(w layoutprobe.Window) bool { return r.selectedTab(w, "Widget editor") })
				r.click("en") // the language field's placeholder
				r.xdotool("type", "--delay", "20", "zz!")
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := japaneseRun(t, bin, c.decision)
			r.start(c.args...)
			defer r.stop()
			r.currentStep = c.name
			if c.then != nil {
				c.then(r)
			}
			r.waitFor("the message "+c.says, func(w layoutprobe.Window) bool { return holdsText(w, c.says) })
			// At the default size, then resized live to a phone's.
			for _, size := range []fyne.Size{desktopSize, phoneSize} {
				if size != desktopSize {
					r.resize(size)
					// Narrower, the message may wrap across lines.
					r.settle(func(w layoutprobe.Window) bool {
						var all strings.Builder
						for _, o := range placedTexts(w) {
							all.WriteString(o.Text)
						}
						return strings.Contains(all.String(), c.says)
					}, size)
				}
				// The texts in order, one line each: a quote may wrap onto
				// the next line.
				var shown []string
				for _, o := range placedTexts(r.current) {
					shown = append(shown, o.Text)
				}
				if english := untranslated.Find(strings.Join(shown, "\n")); english != "" {
					t.Errorf("at %v the Japanese window says %q in English; it shows:\n%s", size, english, strings.Join(shown, "\n"))
				}
				if strings.ContainsRune(strings.Join(shown, ""), '\uFFFD') {
					t.Errorf("at %v the Japanese window shows a broken character (�):\n%s", size, strings.Join(shown, "\n"))
				}
				for _, p := range layoutprobe.Check(r.current) {
					if p.Kind == layoutprobe.Kinsoku {
						t.Errorf("at %v: %v; the window shows:\n%s", size, p, strings.Join(shown, "\n"))
					}
				}
			}
		})
	}
}

// japaneseRun is a run of the app with a Japanese desktop whose browser
// answers the approval page with decision (records its URL when "").
func japaneseRun(t *testing.T, bin, decision string) *layoutRun {
	r := &layoutRun{t: t, bin: bin, lang: "ja", theme: "light", display: startXvfb(t), home: t.TempDir()}
	r.words = translations(t, "ja")
	runtime, err := os.MkdirTemp("/tmp", "qr") // short: the single-instance socket lives here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	browser := browserBinary
	if decision == "" {
		browser = filepath.Join(r.home, "record-browser")
		if err := os.WriteFile(browser, []byte("#!/bin/sh\necho \"$1\" > "+filepath.Join(r.home, "approval-url")+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r.env = append(os.Environ(), "DISPLAY="+r.display, "LANG=ja_JP.UTF-8", "LC_ALL=", "LANGUAGE=",
		"FYNE_THEME=light", "FYNE_SCALE=1", "BROWSER="+browser, "QEX_TEST_DECISION="+decision,
		"HOME="+r.home, "XDG_CONFIG_HOME="+filepath.Join(r.home, "config"), "XDG_RUNTIME_DIR="+runtime)
	return r
}

// waitFor probes the window until ready holds and two probes in a row show
// the same texts, or fails after 30 s naming what it waited for.
func (r *layoutRun) waitFor(what string, ready func(layoutprobe.Window) bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var previous []layoutprobe.Object
	for ctx.Err() == nil {
		w := r.probe()
		texts := placedTexts(w)
		if ready(w) && len(texts) == len(previous) && holdsSameTexts(texts, previous) {
			return
		}
		previous = texts
		time.Sleep(50 * time.Millisecond)
	}
	var shown []string
	for _, o := range placedTexts(r.current) {
		shown = append(shown, o.Text)
	}
	r.t.Fatalf("%s: %s never showed; the window shows %q\n%s", r.currentStep, what, shown, r.log())
}

func holdsSameTexts(a, b []layoutprobe.Object) bool {
	for i := range a {
		if a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// holdsText reports whether some text of w contains fragment.
func holdsText(w layoutprobe.Window, fragment string) bool {
	for _, o := range placedTexts(w) {
		if strings.Contains(o.Text, fragment) {
			return true
		}
	}
	return false
}
