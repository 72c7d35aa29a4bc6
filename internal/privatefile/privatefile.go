// Package privatefile writes files only their owner can read, whole or not
// at all: through a temporary file in the same folder, renamed into place,
// so a reader never sees half a file and a failed write keeps the old one.
package privatefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteCreatingFolder is Write for the app's own files: it first creates
// their folder (0700) if needed.
func WriteCreatingFolder(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return Write(path, data)
}

// Write writes data to path with mode 0600, in a folder that must exist (a
// mistyped folder is reported, not created). Errors name path, not the
// temporary file.
func Write(path string, data []byte) (err error) {
	defer func() {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = &fs.PathError{Op: "write", Path: path, Err: pathErr.Err}
		}
	}()
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
