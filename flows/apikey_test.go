package flows_test

import (
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

func TestPublicAPIKeyRule(t *testing.T) {
	for _, good := range []string{sandbox.DefaultPublicAPIKey, "pk_live_abcdef12", "pk_12345", "pk_" + strings.Repeat("a", 197)} {
		if err := flows.CheckPublicAPIKey(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	rule := " is not a public API key: they start with pk_ and have 8 to 200 letters, digits, _ or -"
	for key, shown := range map[string]string{
		"pk_1234":                          `"pk_1234"`,
		"sk_live_12345678":                 `"sk_live_12345678"`,
		"pk_sändbox_12345":                 `"pk_sändbox_12345"`,
		"pk_abc def":                       `"pk_abc def"`,
		"pk_abcdef\x1b[2J":                 `"pk_abcdef\x1b[2J"`,
		"pk_" + strings.Repeat("a", 198):   "a 201-character key",
		"pk_" + strings.Repeat("a", 99997): "a 100000-character key",
	} {
		err := flows.CheckPublicAPIKey(key)
		if err == nil || err.Error() != shown+rule {
			t.Errorf("CheckPublicAPIKey(%.20q) = %v", key, err)
		}
		// The window's check says the same.
		target := flows.Target{Env: flows.EnvSandbox, PublicAPIKey: key}
		if err2 := target.Check(); err2 == nil || err == nil || err2.Error() != err.Error() {
			t.Errorf("Target.Check with %.20q = %v", key, err2)
		}
	}
}
