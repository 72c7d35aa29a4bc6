package sessions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/sessions"
	"github.com/qexcompanion/qex-companion/internal/settings"
	"github.com/qexcompanion/qex-companion/internal/testkeyring"
)

var key = flows.SessionKey{Env: "sandbox", APIBase: flows.EmbeddedAPIBase, PublicAPIKey: "pk_sandbox_12345678"}

const secret = "5ecr3t-5e55i0n-5ecr3t"

func TestSaveResumeForgetInSecretService(t *testing.T) {
	kc := testkeyring.System(t)
	dir := t.TempDir()
	st := settings.Open(filepath.Join(dir, "settings.json"))
	store := sessions.New(kc, st)
	t.Cleanup(func() { store.Forget(key) })
	created := time.Date(2026, 11, 20, 14, 3, 0, 0, time.UTC)

	if err := store.Save(key, qex.Credentials{SessionID: "sid-1", SessionSecret: secret}, created); err != nil {
		t.Fatal(err)
	}
	stored, ok := testkeyring.Lookup(t, sessions.EntryName(key))
	if !ok || !strings.Contains(stored, secret) || len(stored) > keychain.MaxSecretBytes {
		t.Fatalf("secret-tool sees %q (%v)", stored, ok)
	}
	cred, when, err := store.Load(key)
	if err != nil || cred.SessionID != "sid-1" || cred.SessionSecret != secret || !when.Equal(created) {
		t.Errorf("Load = %+v %v %v", cred, when, err)
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
	err := store.Save(key, qex.Credentials{SessionID: "sid", SessionSecret: secret}, time.Now())
	var memOnly *sessions.ErrMemoryOnly
	if !errors.As(err, &memOnly) || !strings.HasPrefix(err.Error(), "No system keychain: this session will be forgotten when you quit") {
		t.Fatalf("Save: %v", err)
	}
	// Still usable in this run.
	if cred, _, err := store.Load(key); err != nil || cred.SessionSecret != secret {
		t.Errorf("Load = %+v %v", cred, err)
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
