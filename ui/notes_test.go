package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// What the app's own parts on this computer say (a damaged settings file,
// a keychain that does not answer, a link with no sign-in waiting, the
// link registration) is the app's own words: in the Japanese window it is
// Japanese, not English quoted 「…」 as if a server had said it.
func TestNotesFromThisComputerAreJapanese(t *testing.T) {
	useJapanese(t)
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, []byte("{damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, loadErr := settings.Open(path).Load()
	never := gated{gate: make(chan struct{})}
	t.Cleanup(func() { close(never.gate) })
	_, keychainErr := keychain.NewWithTimeout(never, time.Millisecond).Get("entry")
	if loadErr == nil || !keychain.IsUnavailable(keychainErr) {
		t.Fatalf("settings %v, keychain %v", loadErr, keychainErr)
	}
	r := newRig(t, func(_ *flows.EngineConfig, o *Options) {
		o.Notes = []msg.Message{msg.FromError(loadErr), msg.FromError(keychainErr)}
		o.Scheme = &fakeScheme{}
	})
	router := deeplink.NewRouter(r.m.Notify)
	router.Deliver("https://example.com/callback?state=abc")
	router.Deliver(deeplink.Scheme + ":" + deeplink.CallbackPath + "?state=abc")
	r.ui.waitFor(t, "four notes in the banner", func() bool { return strings.Count(r.m.banner.Text, "\n") == 3 })
	c := r.m.connect
	c.callback.SetSelected(lang.L(choiceDeepLink))
	r.ui.waitFor(t, "the registration status", c.register.Visible)

	for what, text := range map[string]string{"the banner": r.m.banner.Text, "the registration status": c.scheme.Text} {
		if strings.ContainsRune(text, '\uFFFD') {
			t.Errorf("%s shows a broken character:\n%s", what, text)
		}
		// Quoted or not: none of it is anyone's English.
		if english := untranslated.Find(strings.NewReplacer("「", "", "」", "").Replace(text)); english != "" {
			t.Errorf("%s says %q in English:\n%s", what, english, text)
		}
	}
	for _, want := range []string{"設定ファイルが壊れていた", "応答がありませんでした", "このアプリのものではないリンク", "待っているサインインはありません"} {
		if !strings.Contains(r.m.banner.Text, want) {
			t.Errorf("the banner lacks %q:\n%s", want, r.m.banner.Text)
		}
	}
}
