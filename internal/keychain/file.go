package keychain

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"sync"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/privatefile"
)

// FileBackend keeps secrets in a file readable only by the user. It is the
// explicit, warned-about choice (--insecure-storage) for machines without a
// keychain, never a silent fallback: anyone who can read the user's files
// can read the secrets.
type FileBackend struct {
	path string
	mu   sync.Mutex
}

// NewFileBackend stores secrets in path (created 0600, its folder 0700).
func NewFileBackend(path string) *FileBackend { return &FileBackend{path: path} }

// Path is the file the secrets are in.
func (f *FileBackend) Path() string { return f.path }

func (f *FileBackend) load() (map[string]string, error) {
	entries := map[string]string{}
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, msg.KeychainFileDamaged.Err(msg.Args{"Path": f.path})
	}
	return entries, nil
}

func (f *FileBackend) store(entries map[string]string) error {
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	return privatefile.WriteCreatingFolder(f.path, data)
}

func key(service, name string) string { return service + "/" + name }

func (f *FileBackend) Get(service, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, err := f.load()
	if err != nil {
		return "", err
	}
	s, ok := entries[key(service, name)]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (f *FileBackend) Set(service, name, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, err := f.load()
	if err != nil {
		return err
	}
	entries[key(service, name)] = secret
	return f.store(entries)
}

func (f *FileBackend) Delete(service, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, err := f.load()
	if err != nil {
		return err
	}
	if _, ok := entries[key(service, name)]; !ok {
		return ErrNotFound
	}
	delete(entries, key(service, name))
	return f.store(entries)
}
