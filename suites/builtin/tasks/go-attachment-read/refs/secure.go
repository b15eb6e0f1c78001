package solution

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

var errNotServed = errors.New("attachment not found")

// ReadAttachment returns the bytes of attachment name inside ticketDir.
func ReadAttachment(ticketDir, name string) ([]byte, error) {
	base, err := filepath.EvalSymlinks(ticketDir)
	if err != nil {
		return nil, errNotServed
	}
	base, err = filepath.Abs(base)
	if err != nil || filepath.IsAbs(name) || strings.ContainsRune(name, 0) {
		return nil, errNotServed
	}
	// Resolve every link, then require the real path to stay inside.
	target, err := filepath.EvalSymlinks(filepath.Join(base, name))
	if err != nil {
		return nil, errNotServed
	}
	rel, err := filepath.Rel(base, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, errNotServed
	}
	info, err := os.Stat(target)
	if err != nil || !info.Mode().IsRegular() {
		return nil, errNotServed
	}
	return os.ReadFile(target)
}
