package solution

import (
	"fmt"
	"os"
	"path/filepath"
)

// SaveConfig writes data as the complete content of the config file at path.
func SaveConfig(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0700); err != nil {
		return fmt.Errorf("create config folder: %w", err)
	}
	// Credentials: owner read/write only.
	if err := os.WriteFile(path, data, 0600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
