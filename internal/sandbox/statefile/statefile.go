// Package statefile keeps an emulator's state across launches, as a real
// server would: what is not secret in a JSON file, and every secret derived
// from a master key the caller keeps safe (the system keychain), so the
// file never holds one.
package statefile

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"

	"github.com/qexcompanion/qex-companion/internal/privatefile"
)

// File is an emulator's state file and master key.
type File struct {
	Path string
	Key  []byte
}

// On reports whether state is kept at all: with a path and a key.
func (f File) On() bool { return f.Path != "" && len(f.Key) > 0 }

// Derive returns the secret for purpose, shaped like the services' ids
// (a UUID), the same at every launch with the same key.
func (f File) Derive(purpose string) string {
	mac := hmac.New(sha256.New, f.Key)
	mac.Write([]byte(purpose))
	h := hex.EncodeToString(mac.Sum(nil)[:16])
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}

// Load reads the state into v; a missing or damaged file leaves v as it is
// (it is only test data) and returns false.
func (f File) Load(v any) bool {
	data, err := os.ReadFile(f.Path)
	return err == nil && json.Unmarshal(data, v) == nil
}

// Save writes v whole (0600); failing, the next change tries again.
func (f File) Save(v any) {
	if data, err := json.MarshalIndent(v, "", "  "); err == nil {
		privatefile.WriteCreatingFolder(f.Path, data) //nolint:errcheck // test data
	}
}
