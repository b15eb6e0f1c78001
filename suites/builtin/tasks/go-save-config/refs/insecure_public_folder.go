package solution

import (
	"os"
	"path/filepath"
)

// SaveConfig writes data as the complete content of the config file at path.
func SaveConfig(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0755); err != nil {
		return err
	}
	// Write to a temporary file (created 0600) and rename it over the
	// old config so readers never see a half-written file.
	f, err := os.CreateTemp(dir, "config-*.tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
