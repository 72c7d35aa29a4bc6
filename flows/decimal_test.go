package flows_test

import (
	"testing"

	"github.com/qexcompanion/qex-companion/flows"
)

func TestDecimalIsZero(t *testing.T) {
	for d, want := range map[flows.Decimal]bool{"": true, "0": true, "0.0": true, "-0.000": true, "0.00000001": false, "10": false, "1e-8": false} {
		if d.IsZero() != want {
			t.Errorf("Decimal(%q).IsZero() = %v", d, !want)
		}
	}
}
