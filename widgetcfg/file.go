package widgetcfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes c as JSON to path with owner-only permissions (it may hold
// the session secret), through a temporary file in the same folder so that
// readers never see half a file and a failed write leaves the old one.
func (c Config) WriteFile(path string) (err error) {
	defer func() {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // its path is the temporary file's
		}
		if err != nil {
			err = fmt.Errorf("cannot write %s: %w", path, err)
		}
	}()
	data, err := c.MarshalIndent()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
