package solution

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadAttachment returns the bytes of attachment name inside ticketDir.
func ReadAttachment(ticketDir, name string) ([]byte, error) {
	base := filepath.Clean(ticketDir)
	p := filepath.Join(base, name)
	if !strings.HasPrefix(p, base+string(filepath.Separator)) {
		return nil, fmt.Errorf("invalid attachment name %q", name)
	}
	return os.ReadFile(p)
}
