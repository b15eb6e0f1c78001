package solution

import (
	"os"
	"path/filepath"
)

// SaveConfig writes data as the complete content of the config file at path.
func SaveConfig(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0644)
}
