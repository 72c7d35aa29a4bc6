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
