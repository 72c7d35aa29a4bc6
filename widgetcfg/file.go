package widgetcfg

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/qexcompanion/qex-companion/internal/privatefile"
)

// WriteFile writes c as JSON to path with owner-only permissions (it may hold
// the session secret), whole or not at all.
func (c Config) WriteFile(path string) error {
	data, err := c.MarshalIndent()
	if err == nil {
		err = privatefile.Write(path, data)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return nil
}

// Save writes c to a configuration file to keep or share: without its
// identity (a secret) unless withIdentity is set.
func (c Config) Save(path string, withIdentity bool) error {
	if !withIdentity {
		c = c.WithoutIdentity()
	}
	return c.WriteFile(path)
}

// Load reads a configuration file. Fields this package does not know are
// kept and written back by Save.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%s is not a widget configuration: %v", path, err)
	}
	return c, nil
}

func unwrapPath(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}
