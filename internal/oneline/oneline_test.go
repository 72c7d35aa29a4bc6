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

// A hostile or sloppy server's field leaves no gap in a line: null (Go's
// ""), blanks and control characters give "" (None where a value is
// needed), and runs of spaces fold into one.
func TestFieldLeavesNoGap(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"   ":                  "",
		"\x07":                 "",
		" \x1b \u202e ":        "",
		"\x1b[2J":              "[2J",
		"  Hanako   Yamada \t": "Hanako Yamada",
		"BTC\x00\x00":          "BTC",
		"₿":                    "₿",
	} {
		if got := oneline.Field(in, 100); got != want {
			t.Errorf("Field(%q) = %q, want %q", in, got, want)
		}
		wantOrNone := want
		if want == "" {
			wantOrNone = oneline.None
		}
		if got := oneline.FieldOrNone(in, 100); got != wantOrNone {
			t.Errorf("FieldOrNone(%q) = %q, want %q", in, got, wantOrNone)
		}
	}
}
