// Package apihttp is the HTTP machinery every provider client shares: one
// bounded read for every response body, the redirect policy, Retry-After,
// and transport failures told as sentences.
package apihttp

import (
	"fmt"
	"io"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// MaxResponseBytes bounds what the app reads of one response from a
// provider server. Real answers are a few kilobytes.
const MaxResponseBytes = 8 << 20

// TooLargeError says a body went past its limit; nothing beyond the limit
// was read.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string { return e.Msg().String() }

// Message says what was too large, for any language.
func (e *TooLargeError) Msg() msg.Message {
	return msg.TooLarge.New(msg.Args{"Limit": Size(e.Limit)})
}

// Size names a byte count the way the limits are set: "8 MiB", "64 KiB".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadAll reads r to its end, or fails with a *TooLargeError after reading
// limit+1 bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return raw, err
	}
	if int64(len(raw)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return raw, nil
}
