package solution

import (
	"os"
	"path/filepath"
)

// SaveConfig writes data as the complete content of the config file at path.
func SaveConfig(path string, data []byte) error {
	dir := filepath.Dir(path)
	// Only the owner may list or enter folders we create.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// Write a private new file next to the target, then swap it in, so
	// the secret never sits in a file with a looser mode (an existing
	// file's mode is not inherited).
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}
