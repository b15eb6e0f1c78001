package solution

import (
	"fmt"
	"os/exec"
)

// ArchiveIsIntact reports whether `gzip -t` accepts the file at path.
func ArchiveIsIntact(path string) bool {
	err := exec.Command("/bin/sh", "-c", fmt.Sprintf("gzip -t %q", path)).Run()
	return err == nil
}
