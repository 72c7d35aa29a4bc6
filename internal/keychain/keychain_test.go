package keychain_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

// hanging never answers, like a keychain waiting on an unlock prompt.
type hanging struct {
	calls   atomic.Int32
	release chan struct{}
}

func (h *hanging) wait() error                     { h.calls.Add(1); <-h.release; return nil }
func (h *hanging) Get(_, _ string) (string, error) { return "", h.wait() }
func (h *hanging) Set(_, _, _ string) error        { return h.wait() }
func (h *hanging) Delete(_, _ string) error        { return h.wait() }

func TestRoundTrip(t *testing.T) {
	kc := keychain.New(testkeyring.NewMemory())
	if _, err := kc.Get("a"); !errors.Is(err, keychain.ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	if err := kc.Set("a", "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	if got, err := kc.Get("a"); got != "s3cr3t" || err != nil {
		t.Errorf("Get = %q, %v", got, err)
	}
	if err := kc.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete("a"); err != nil {
		t.Errorf("deleting a missing entry: %v", err)
	}
	err := kc.Set("big", strings.Repeat("x", keychain.MaxSecretBytes+1))
	if err == nil || !strings.Contains(err.Error(), "more than the 2048 every system accepts") {
		t.Errorf("oversized secret: %v", err)
	}
}

func TestHangingKeychainBecomesUnavailableOnce(t *testing.T) {
	h := &hanging{release: make(chan struct{})}
	defer close(h.release)
	kc := keychain.NewWithTimeout(h, 100*time.Millisecond)
	start := time.Now()
	_, err := kc.Get("a")
	if !keychain.IsUnavailable(err) || !strings.Contains(err.Error(), "did not answer within 100ms") {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("gave up after %s", elapsed)
	}
	// Later calls fail at once, and never pile up on the stuck one.
	for range 20 {
		start := time.Now()
		if err := kc.Set("a", "b"); !keychain.IsUnavailable(err) {
			t.Fatalf("err = %v", err)
		}
		if time.Since(start) > 50*time.Millisecond {
			t.Fatal("a call after the timeout waited again")
		}
	}
	if n := h.calls.Load(); n != 1 {
		t.Errorf("%d calls reached the stuck keychain, want 1", n)
	}
	if kc.Available() {
		t.Error("Available after a timeout")
	}
}

func TestFileBackendIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app", "secrets.json")
	kc := keychain.New(keychain.NewFileBackend(path))
	if err := kc.Set("a", "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file %v %v", st, err)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", dir.Mode().Perm())
	}
	if got, _ := kc.Get("a"); got != "s3cr3t" {
		t.Errorf("Get = %q", got)
	}
	kc.Delete("a")
	if _, err := kc.Get("a"); !errors.Is(err, keychain.ErrNotFound) {
		t.Errorf("after Delete: %v", err)
	}
	os.WriteFile(path, []byte("{broken"), 0o600)
	if _, err := kc.Get("a"); err == nil || !strings.Contains(err.Error(), "is damaged; delete it") {
		t.Errorf("damaged file: %v", err)
	}
}

func TestSystemKeychain(t *testing.T) {
	kc := testkeyring.System(t)
	name := "test entry " + t.Name()
	t.Cleanup(func() { kc.Delete(name) })
	if err := kc.Set(name, "s3cr3t-value"); err != nil {
		t.Fatal(err)
	}
	if got, ok := testkeyring.Lookup(t, name); !ok || got != "s3cr3t-value" {
		t.Errorf("secret-tool sees %q (%v)", got, ok)
	}
	if got, err := kc.Get(name); got != "s3cr3t-value" || err != nil {
		t.Errorf("Get = %q, %v", got, err)
	}
	if err := kc.Delete(name); err != nil {
		t.Fatal(err)
	}
	if _, ok := testkeyring.Lookup(t, name); ok {
		t.Error("the entry is still in the Secret Service after Delete")
	}
	if _, err := kc.Get(name); !errors.Is(err, keychain.ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
}

// Without a D-Bus session (SSH, CI, containers) the system keychain is
// unavailable at once, instead of autolaunching a bus and a keyring daemon.
func TestSystemKeychainWithoutSessionBusIsUnavailableAtOnce(t *testing.T) {
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a per-user session bus, found without the environment")
	}
	for _, addr := range []string{"", "autolaunch:"} {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		kc := keychain.New(keychain.System())
		start := time.Now()
		_, err := kc.Get("a")
		if !keychain.IsUnavailable(err) || err.Error() != "no system keychain (no D-Bus session)" {
			t.Errorf("address %q: err = %v", addr, err)
		}
		if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
			t.Errorf("address %q: took %s to say so", addr, elapsed)
		}
		if err := kc.Set("a", "b"); !keychain.IsUnavailable(err) {
			t.Errorf("address %q: Set: %v", addr, err)
		}
	}
}
