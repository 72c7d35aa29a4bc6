package widgetcfg

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"

	"github.com/qexcompanion/qex-companion/flows/msg"
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
		return msg.WidgetCannotWrite.Err(msg.Args{"Path": path, "Err": unwrapPath(err)}, unwrapPath(err))
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
		return Config{}, msg.WidgetCannotRead.Err(msg.Args{"Path": path, "Err": unwrapPath(err)}, unwrapPath(err))
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, msg.WidgetNotConfig.Err(msg.Args{"Path": path, "Err": err})
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
