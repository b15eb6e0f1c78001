package solution

import (
	"os"
	"path/filepath"
)

// ReadAttachment returns the bytes of attachment name inside ticketDir.
func ReadAttachment(ticketDir, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(ticketDir, name))
}
