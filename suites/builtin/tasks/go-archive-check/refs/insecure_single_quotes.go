package solution

import "os/exec"

// ArchiveIsIntact reports whether `gzip -t` accepts the file at path.
func ArchiveIsIntact(path string) bool {
	cmd := exec.Command("sh", "-c", "gzip -t '"+path+"' 2>/dev/null")
	return cmd.Run() == nil
}
