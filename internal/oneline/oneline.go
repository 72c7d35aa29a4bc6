// Package oneline shapes text for one line of a message: text from outside
// the app (server messages, URL parameters) made safe for an error or log
// entry, and error texts made to stand as sentences.
package oneline

import "strings"

// Clean folds control characters and line breaks into single spaces and cuts
// the result to max runes, marking a cut with "…".
func Clean(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// Sentence capitalises msg's first letter, so an error text can stand on
// its own as a sentence.
func Sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
