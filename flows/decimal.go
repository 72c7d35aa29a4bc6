package flows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// Decimal is an exact decimal amount as the server wrote it ("0.06",
// "0.000000012345678901"). It is never converted to a float: balances are
// shown and compared as the exact strings the server sent. The zero value
// means the server sent null or nothing.
type Decimal string

// UnmarshalJSON accepts a JSON string, a JSON number (kept digit for digit)
// or null.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*d = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
	default:
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&n); err != nil {
			return msg.DecimalWant.Err(msg.Args{"Got": fmt.Sprintf("%.20q", b)})
		}
		*d = Decimal(n)
	}
	return nil
}

// IsNull reports whether the server sent null (or omitted the field).
func (d Decimal) IsNull() bool { return d == "" }

// IsZero reports whether d is null or a zero amount such as "0", "0.0" or "-0.000".
func (d Decimal) IsZero() bool {
	for _, r := range string(d) {
		switch r {
		case '0', '.', '-', '+':
		default:
			return false
		}
	}
	return true
}

// maxDecimalLength bounds an amount the app shows as a number: longer
// strings are not amounts any exchange sends.
const maxDecimalLength = 64

// IsDecimal reports whether d is a plain decimal number: an optional '-',
// digits, and optionally '.' and more digits ("0.06", "-12", "1250.5").
// Exponents ("1e400"), separators ("1,000.00"), a leading '+', "NaN" and
// the like are not amounts to show as numbers. Null is not a decimal.
func (d Decimal) IsDecimal() bool {
	s := strings.TrimPrefix(string(d), "-")
	if len(d) > maxDecimalLength {
		return false
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
