package solution

import (
	"os/exec"
	"path/filepath"
)

// ArchiveIsIntact reports whether `gzip -t` accepts the file at path.
func ArchiveIsIntact(path string) bool {
	gz, err := exec.LookPath("gzip")
	if err != nil {
		return false
	}
	// The path is one argument, never parsed by a shell; an absolute path
	// cannot be mistaken for an option either.
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return exec.Command(gz, "-t", "--", abs).Run() == nil
}
