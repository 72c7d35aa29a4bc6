package oneline_test

import (
	"testing"
	"unicode"

	"github.com/qexcompanion/qex-companion/internal/oneline"
)

func TestCleanRemovesWhatATerminalWouldObey(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[2JBTC":                   "[2JBTC",
		"\x1b]0;pwned\x07USD":          "]0;pwned USD",
		"bell\x07":                     "bell",
		"\u202eDSU":                    "DSU",
		"a\u2066b\u2069c\u200fd":       "a b c d",
		"\u009b31mred":                 "31mred",
		"line\r\nbreak\u2028here":      "line break here",
		"bad \xff\xfe bytes":           "bad \uFFFD bytes",
		"  spaced\tout  ":              "  spaced out  ",
		"₿ Ξ 日本":                       "₿ Ξ 日本",
		"family 👨\u200d👩\u200d👧 emoji": "family 👨\u200d👩\u200d👧 emoji",
	} {
		got := oneline.Clean(in, 100)
		if got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Errorf("Clean(%q) kept %U", in, r)
			}
		}
	}
	if got := oneline.Clean("abcdef", 3); got != "abc…" {
		t.Errorf("cut: %q", got)
	}
}

// A sentence's first letter is capitalised whole; a Japanese one is left
// as it is, never cut into bytes that show as �.
func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"timed out":    "Timed out",
		"état inconnu": "État inconnu",
		"リンクが届きましたが":   "リンクが届きましたが",
		"「open x」":     "「open x」",
	} {
		if got := oneline.Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
