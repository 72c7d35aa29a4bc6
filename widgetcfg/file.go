package widgetcfg

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/qexcompanion/qex-companion/internal/privatefile"
)

// WriteFile writes c as JSON to path with owner-only permissions (it may hold
// the session secret), whole or not at all.
func (c Config) WriteFile(path string) error {
	data, err := c.MarshalIndent()
	if err == nil {
		err = privatefile.Write(path, data)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
