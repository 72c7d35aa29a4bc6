package sessions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

var key = flows.SessionKey{Provider: "qex", Env: "sandbox", APIBase: flows.EmbeddedAPIBase, Account: "pk_sandbox_12345678"}

const secret = "5ecr3t-5e55i0n-5ecr3t"

// blob is a provider's saved session, holding the secret.
var blob = []byte(`{"v":1,"session_id":"sid-1","session_secret":"` + secret + `"}`)

func TestSaveResumeForgetInSecretService(t *testing.T) {
	kc := testkeyring.System(t)
	dir := t.TempDir()
	st := settings.Open(filepath.Join(dir, "settings.json"))
	store := sessions.New(kc, st)
	t.Cleanup(func() { store.Forget(key) })
	created := time.Date(2026, 11, 20, 14, 3, 0, 0, time.UTC)

	if err := store.Save(key, blob, created); err != nil {
		t.Fatal(err)
	}
	stored, ok := testkeyring.Lookup(t, sessions.EntryName(key))
	if !ok || !strings.Contains(stored, secret) || len(stored) > keychain.MaxSecretBytes {
		t.Fatalf("secret-tool sees %q (%v)", stored, ok)
	}
	got, when, err := store.Load(key)
	if err != nil || string(got) != string(blob) || !when.Equal(created) {
		t.Errorf("Load = %s %v %v", got, when, err)
	}
	list := store.List()
	if len(list) != 1 || list[0].SessionKey != key || !list[0].Created.Equal(created) {
		t.Errorf("List = %+v", list)
	}
	settingsFile, _ := os.ReadFile(st.Path())
	if strings.Contains(string(settingsFile), secret) || strings.Contains(string(settingsFile), "sid-1") {
		t.Errorf("the settings file holds the session:\n%s", settingsFile)
	}

	if err := store.Forget(key); err != nil {
		t.Fatal(err)
	}
	if _, ok := testkeyring.Lookup(t, sessions.EntryName(key)); ok {
		t.Error("secret-tool still finds the entry after Forget")
	}
	if _, _, err := store.Load(key); !errors.Is(err, flows.ErrNoSavedSession) {
		t.Errorf("Load after Forget: %v", err)
	}
	if len(store.List()) != 0 {
		t.Error("List still shows the forgotten session")
	}
}

// hanging never answers.
type hanging struct{ release chan struct{} }

func (h hanging) Get(_, _ string) (string, error) { <-h.release; return "", nil }
func (h hanging) Set(_, _, _ string) error        { <-h.release; return nil }
func (h hanging) Delete(_, _ string) error        { <-h.release; return nil }

func TestWithoutKeychainSessionsLiveInMemoryOnly(t *testing.T) {
	h := hanging{release: make(chan struct{})}
	defer close(h.release)
	dir := t.TempDir()
	store := sessions.New(keychain.NewWithTimeout(h, 50*time.Millisecond), settings.Open(filepath.Join(dir, "settings.json")))
	err := store.Save(key, blob, time.Now())
	var memOnly *sessions.ErrMemoryOnly
	if !errors.As(err, &memOnly) || !strings.HasPrefix(err.Error(), "No system keychain: this session will be forgotten when you quit") {
		t.Fatalf("Save: %v", err)
	}
	// Still usable in this run.
	if got, _, err := store.Load(key); err != nil || string(got) != string(blob) {
		t.Errorf("Load = %s %v", got, err)
	}
	if list := store.List(); len(list) != 1 {
		t.Errorf("List = %+v", list)
	}
	// Nothing reached the disk.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if data, _ := os.ReadFile(path); strings.Contains(string(data), secret) {
			t.Errorf("%s holds the secret", path)
		}
		return nil
	})
}

func TestSettingsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app", "settings.json")
	f := settings.Open(path)
	if s, err := f.Load(); err != nil || s.Env != "" {
		t.Errorf("missing file: %+v %v", s, err)
	}
	if err := f.Update(func(s *settings.Settings) { s.Env, s.WindowWidth = "production", 800 }); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if s, _ := f.Load(); s.Env != "production" || s.WindowWidth != 800 {
		t.Errorf("read back %+v", s)
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	_, err := f.Load()
	if err == nil || !strings.Contains(err.Error(), "moved to "+path+".damaged") {
		t.Errorf("damaged: %v", err)
	}
	if data, _ := os.ReadFile(path + ".damaged"); string(data) != "{not json" {
		t.Error("the damaged file was not kept aside")
	}
}

// memoryBackend is a keychain in memory, for what the Secret Service test
// does not reach.
type memoryBackend map[string]string

func (m memoryBackend) Get(_, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", keychain.ErrNotFound
	}
	return v, nil
}
func (m memoryBackend) Set(_, name, v string) error { m[name] = v; return nil }
func (m memoryBackend) Delete(_, name string) error { delete(m, name); return nil }

// A QEX session saved by the release before providers resumes: its
// keychain entry and settings description keep working.
func TestSessionsSavedBeforeProvidersStillLoad(t *testing.T) {
	backend := memoryBackend{}
	legacy := `{"session_id":"sid-old","session_secret":"` + secret + `","created":1763647380}`
	backend["session sandbox embedded pk_sandbox_12345678"] = legacy
	path := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(path, []byte(`{"saved_sessions":[{"env":"sandbox","api_base":"embedded","public_api_key":"pk_sandbox_12345678","created":"2025-11-20T14:03:00Z","last_used":"2025-11-21T09:00:00Z"}]}`), 0o600)
	store := sessions.New(keychain.New(backend), settings.Open(path))

	list := store.List()
	if len(list) != 1 || list[0].SessionKey != key {
		t.Fatalf("List = %+v, want the old session under %+v", list, key)
	}
	got, created, err := store.Load(key)
	if err != nil || string(got) != legacy || created.Unix() != 1763647380 {
		t.Fatalf("Load = %s %v %v", got, created, err)
	}
	store.Touch(key)
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), `"provider": "qex"`) && !strings.Contains(string(data), `"provider":"qex"`) {
		t.Errorf("the description was not rewritten with its provider:\n%s", data)
	}
	if list := store.List(); len(list) != 1 || list[0].SessionKey != key {
		t.Errorf("after Touch, List = %+v", list)
	}
}

// Another provider's sessions do not collide with QEX's of the same
// environment and account.
func TestProvidersHaveTheirOwnEntries(t *testing.T) {
	other := key
	other.Provider = "liquid"
	if sessions.EntryName(other) == sessions.EntryName(key) {
		t.Fatalf("one entry name for two providers: %q", sessions.EntryName(key))
	}
	store := sessions.New(keychain.New(memoryBackend{}), settings.Open(filepath.Join(t.TempDir(), "settings.json")))
	store.Save(key, blob, time.Now())
	if _, _, err := store.Load(other); !errors.Is(err, flows.ErrNoSavedSession) {
		t.Errorf("a QEX session loaded as liquid's: %v", err)
	}
}

// A blob larger than one keychain entry takes is split and joined whole,
// and Forget removes every part.
func TestLargeSessionsAreSplitAcrossEntries(t *testing.T) {
	backend := memoryBackend{}
	store := sessions.New(keychain.New(backend), settings.Open(filepath.Join(t.TempDir(), "settings.json")))
	big := []byte(`{"v":1,"token":"` + strings.Repeat("x", 3*keychain.MaxSecretBytes) + `"}`)
	if err := store.Save(key, big, time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(backend) < 4 {
		t.Errorf("%d entries for a %d-byte blob", len(backend), len(big))
	}
	for name, v := range backend {
		if len(v) > keychain.MaxSecretBytes {
			t.Errorf("entry %q is %d bytes", name, len(v))
		}
	}
	if got, _, err := store.Load(key); err != nil || string(got) != string(big) {
		t.Fatalf("Load: %d bytes, %v", len(got), err)
	}
	if err := store.Forget(key); err != nil || len(backend) != 0 {
		t.Errorf("Forget left %d entries (%v)", len(backend), err)
	}
}
