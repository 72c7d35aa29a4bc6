// Package untranslated finds English left in text meant to be Japanese:
// what tests of the Japanese window and messages look for.
package untranslated

import (
	"regexp"
	"strings"
)

// sentence is three English words in a row: a sentence, or the start of
// one (a name such as "QEX API" is two).
var sentence = regexp.MustCompile(`[A-Za-z]+(?:[ ,;:]+[A-Za-z]+){2}`)

// Find returns the first English sentence in text outside what it quotes
// in 「…」 (a server's words, a library's error, an example value, which
// stay as they were said), or "".
func Find(text string) string {
	return sentence.FindString(Unquoted(text))
}

// Unquoted is text without what it quotes in 「…」, nested quotes
// included.
func Unquoted(text string) string {
	var b strings.Builder
	depth := 0
	for _, r := range text {
		switch {
		case r == '「':
			depth++
		case r == '」' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
