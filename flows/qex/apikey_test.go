package qex_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
)

func TestPublicAPIKeyRule(t *testing.T) {
	for _, good := range []string{qexsandbox.DefaultPublicAPIKey, "pk_live_abcdef12", "pk_12345", "pk_" + strings.Repeat("a", 197)} {
		if err := qex.CheckPublicAPIKey(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	engine := flows.NewEngine(flows.EngineConfig{Providers: []flows.Provider{qex.Provider{}}})
	rule := " is not a public API key: they start with pk_ and have 8 to 200 letters, digits, _ or -"
	for key, shown := range map[string]string{
		"pk_1234":                          `"pk_1234"`,
		"pk_sändbox_12345":                 `"pk_sändbox_12345"`,
		"pk_abc def":                       `"pk_abc def"`,
		"pk_abcdef\x1b[2J":                 `"pk_abcdef\x1b[2J"`,
		"pk_" + strings.Repeat("a", 198):   "a 201-character key",
		"pk_" + strings.Repeat("a", 99997): "a 100000-character key",
	} {
		err := qex.CheckPublicAPIKey(key)
		if err == nil || err.Error() != shown+rule {
			t.Errorf("CheckPublicAPIKey(%.20q) = %v", key, err)
		}
		// The window's check says the same, about the key's field.
		target := flows.Target{Env: flows.EnvProduction, Inputs: flows.Inputs{qex.FieldPublicAPIKey: key}}
		var fieldErr *flows.FieldError
		if err2 := engine.Check(target); !errors.As(err2, &fieldErr) || fieldErr.Field != qex.FieldPublicAPIKey || err == nil || err2.Error() != err.Error() {
			t.Errorf("Engine.Check with %.20q = %v", key, err2)
		}
	}
}

// A secret key pasted where the public one goes is refused without being
// repeated: the error ends in logs and on screens.
func TestSecretKeyIsNotEchoed(t *testing.T) {
	err := qex.CheckPublicAPIKey("sk_live_12345678")
	if err == nil || strings.Contains(err.Error(), "12345678") || !strings.Contains(err.Error(), "give the public key (pk_…)") {
		t.Errorf("err = %v", err)
	}
}
