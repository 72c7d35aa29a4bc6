// Package testkeyring gives tests the real system keychain (a Secret Service
// on Linux) and a way to look into it that does not go through the app's
// own code: secret-tool.
package testkeyring

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/keychain"
)

// System returns the real keychain. Without one the test is skipped, unless
// QEX_REQUIRE_KEYRING is set (as `make test` does), where that is a failure.
func System(t *testing.T) *keychain.Keychain {
	t.Helper()
	kc := keychain.New(keychain.System())
	_, err := kc.Get("probe")
	if keychain.IsUnavailable(err) {
		if os.Getenv("QEX_REQUIRE_KEYRING") != "" {
			t.Fatalf("a Secret Service is required: %v (make test starts one)", err)
		}
		t.Skipf("no Secret Service: %v", err)
	}
	return kc
}

// Lookup returns what secret-tool finds for the app's entry name.
func Lookup(t *testing.T, name string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Fatalf("secret-tool is missing (make deps installs libsecret-tools)")
	}
	out, err := exec.Command("secret-tool", "lookup", "service", keychain.Service, "username", name).Output()
	if err != nil {
		return "", false // secret-tool exits 1 when nothing matches
	}
	return strings.TrimSpace(string(out)), true
}

// Memory is a keychain backend in memory, for tests that need a keychain
// that works but not the system's.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

func (b *Memory) Get(service, name string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m[service+"/"+name]
	if !ok {
		return "", keychain.ErrNotFound
	}
	return s, nil
}

func (b *Memory) Set(service, name, secret string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[service+"/"+name] = secret
	return nil
}

func (b *Memory) Delete(service, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[service+"/"+name]; !ok {
		return keychain.ErrNotFound
	}
	delete(b.m, service+"/"+name)
	return nil
}

// Len is how many entries the backend holds.
func (b *Memory) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
