// Package oneline shapes text for one line of a message: text from outside
// the app (server messages, URL parameters, account fields) made safe for a
// terminal, a window, an error or a log entry, and error texts made to stand
// as sentences.
package oneline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text from outside the app safe to show on one line: control
// characters (C0, DEL and C1, so every escape sequence loses its ESC or
// CSI), line and paragraph separators and bidirectional overrides are
// folded into single spaces, bytes that are not UTF-8 become U+FFFD, and
// the result is cut to max runes, marking a cut with "…".
func Clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, unsafe), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// None is shown for a value a result line needs where the server sent
// null, nothing, or only characters Clean removes.
const None = "—"

// Field is a server's value for one field of a result, as shown: Clean'ed,
// its runs of spaces folded into one and trimmed, so that a null, empty or
// control-only value is "" and nothing spliced around it leaves a gap.
func Field(s string, max int) string {
	return Clean(strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unsafe(r) {
			return ' '
		}
		return r
	}, s)), " "), max)
}

// FieldOrNone is Field, or None when nothing is left of s: for a value a
// line cannot do without (an account's currency, a profile fact).
func FieldOrNone(s string, max int) string {
	if f := Field(s, max); f != "" {
		return f
	}
	return None
}

// unsafe reports whether r could move the cursor, recolour or retitle a
// terminal, reorder the text around it, or break the line.
func unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		r == '\u2028' || r == '\u2029'
}

// Sentence capitalises msg's first letter, so an error text can stand on
// its own as a sentence. The letter is a whole rune: a Japanese sentence's
// first character is not cut in half (its bytes are not letters).
func Sentence(msg string) string {
	first, size := utf8.DecodeRuneInString(msg)
	if size == 0 || first == utf8.RuneError {
		return msg
	}
	return string(unicode.ToUpper(first)) + msg[size:]
}
