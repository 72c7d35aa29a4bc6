package apihttp_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// endless is a reader that never ends, like a hostile server's body.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read += int64(len(p))
	return len(p), nil
}

func TestReadAllStopsAtTheLimit(t *testing.T) {
	src := &endless{}
	_, err := apihttp.ReadAll(src, 1<<20)
	var tooLarge *apihttp.TooLargeError
	if !errors.As(err, &tooLarge) || err.Error() != "it is larger than 1 MiB" {
		t.Fatalf("err = %v", err)
	}
	if src.read > 2<<20 {
		t.Errorf("read %d bytes of an endless body with a 1 MiB limit", src.read)
	}
	raw, err := apihttp.ReadAll(io.LimitReader(src, 1<<20), 1<<20)
	if err != nil || len(raw) != 1<<20 {
		t.Errorf("a body of exactly the limit: %d bytes, %v", len(raw), err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{8 << 20: "8 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes"} {
		if got := apihttp.Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
	if !strings.Contains((&apihttp.TooLargeError{Limit: 8 << 20}).Error(), "8 MiB") {
		t.Error("the error does not name the limit")
	}
}
