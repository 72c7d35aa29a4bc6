package randid

import (
	"regexp"
	"testing"
)

func TestUUID4IsVersion4AndRandom(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := UUID4()
		if !shape.MatchString(id) {
			t.Fatalf("UUID4() = %q, not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("UUID4() repeated %q", id)
		}
		seen[id] = true
	}
}
