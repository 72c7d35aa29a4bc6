// Package settings keeps what the app remembers between launches that is
// not secret: the last environment, API base, partner key and callback mode,
// the window size, and which sessions are saved (their secrets are in the
// keychain, never here). The window and headless runs share one file.
package settings

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/privatefile"

	"github.com/qexcompanion/qex-companion/internal/appid"
)

// Settings is the file's content. Nothing in it is secret.
type Settings struct {
	Provider string `json:"provider,omitempty"`
	Env      string `json:"env,omitempty"`
	APIBase  string `json:"api_base,omitempty"`
	// Inputs are the last provider's inputs that are not secret (the
	// partner key, the token id), by field name.
	Inputs map[string]string `json:"inputs,omitempty"`
	// PublicAPIKey is the partner key as saved before there were providers:
	// read, never written.
	PublicAPIKey string         `json:"public_api_key,omitempty"`
	Callback     string         `json:"callback,omitempty"`
	WindowWidth  float32        `json:"window_width,omitempty"`
	WindowHeight float32        `json:"window_height,omitempty"`
	Sessions     []SavedSession `json:"saved_sessions,omitempty"`
	// Language is the window's language ("en", "ja"); empty follows the
	// system.
	Language string `json:"language,omitempty"`
}

// SavedSession describes a session whose secret is in the keychain.
type SavedSession struct {
	Provider string `json:"provider,omitempty"` // empty: qex, as saved before there were providers
	Env      string `json:"env"`
	APIBase  string `json:"api_base"`
	Account  string `json:"account,omitempty"`
	// PublicAPIKey is the account of a QEX session saved before there were
	// providers: read, never written.
	PublicAPIKey string    `json:"public_api_key,omitempty"`
	Created      time.Time `json:"created"`
	LastUsed     time.Time `json:"last_used"`
}

// File is the settings file.
type File struct {
	path string
	mu   sync.Mutex
}

// DefaultPath is settings.json in the user's config folder for the app.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", msg.SettingsNoFolder.Err(msg.Args{"Err": err}, err)
	}
	return filepath.Join(dir, appid.ID, "settings.json"), nil
}

// Open returns the settings file at path; nothing is read yet.
func Open(path string) *File { return &File{path: path} }

// Path is where the file is.
func (f *File) Path() string { return f.path }

// Load reads the settings. A missing file is empty settings; a damaged one
// is moved aside (to .damaged) and reported, so nothing is silently lost.
func (f *File) Load() (Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.load()
}

func (f *File) load() (Settings, error) {
	var s Settings
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, msg.SettingsUnreadable.Err(msg.Args{"Err": err}, err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		aside := f.path + ".damaged"
		os.Rename(f.path, aside) //nolint:errcheck // reported below either way
		return Settings{}, msg.SettingsDamaged.Err(msg.Args{"Aside": aside})
	}
	return s, nil
}

// Update changes the settings with change and writes them back.
func (f *File) Update(change func(*Settings)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.load()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// A damaged file was moved aside; carry on from defaults.
		s = Settings{}
	}
	change(&s)
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := privatefile.WriteCreatingFolder(f.path, append(data, '\n')); err != nil {
		return msg.SettingsNotSaved.Err(msg.Args{"Err": err}, err)
	}
	return nil
}
