// Package oneline makes text from outside the app (server messages, URL
// parameters) safe to put in a one-line error or log entry.
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
