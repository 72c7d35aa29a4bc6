package flows

import (
	"strings"
)

// curlNote heads every curl command: what was sent had real secrets where
// the command shows placeholders.
const curlNote = "# Secrets, tokens and JWTs were replaced by " + Redacted + ": fill them in before running this."

// Curl returns the exchange's request as one curl command for a POSIX
// shell, after a comment line saying secrets must be filled in. Every
// argument is single-quoted, so nothing in a header, URL or body is
// expanded by the shell; --globoff keeps curl from reading "[redacted]"
// in a URL as a range.
func (e HTTPExchange) Curl() string {
	var b strings.Builder
	b.WriteString(curlNote + "\ncurl --globoff -X " + shellQuote(e.Method) + " " + shellQuote(e.URL))
	for line := range strings.Lines(e.RequestHeaders) {
		header := strings.TrimSuffix(line, "\n")
		if name, _, _ := strings.Cut(header, ":"); strings.EqualFold(name, "Content-Length") {
			continue // curl counts the body it sends
		}
		b.WriteString(" \\\n  -H " + shellQuote(header))
	}
	if e.RequestBody != "" {
		b.WriteString(" \\\n  --data-raw " + shellQuote(e.RequestBody))
	}
	b.WriteString("\n")
	return b.String()
}

// shellQuote single-quotes s for a POSIX shell: inside single quotes
// nothing is special but the quote itself, which closes the quotes, adds an
// escaped quote and opens them again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
