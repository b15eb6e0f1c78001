package main

import (
	"os"
	"path/filepath"
	"syscall"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

const creds = "host=db.internal\nuser=billing\npassword=S3cr3t-Pa55\n"

// setup gives the process the umask a service usually starts with and
// returns a fresh folder to work in.
func setup() string {
	syscall.Umask(0o022)
	return c.ScratchDir("conf")
}

func mode(p string) os.FileMode {
	info, err := os.Stat(p)
	c.NoError(err, "stat "+p)
	return info.Mode()
}

func content(p string) string {
	b, err := os.ReadFile(p)
	c.NoError(err, "read "+p)
	return string(b)
}

func writesNewFile() {
	dir := setup()
	p := filepath.Join(dir, "db.conf")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig")
	c.Eq(content(p), creds, "content of the saved file")
	m := mode(p)
	c.Check(m.IsRegular(), "the config is not a regular file: %v", m)
	c.Check(m.Perm()&0o400 != 0, "the owner cannot read the saved config (mode %04o)", m.Perm())
}

func createsMissingFolders() {
	dir := setup()
	p := filepath.Join(dir, "etc", "billing", "db.conf")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig into missing folders")
	c.Eq(content(p), creds, "content of the saved file")
	// An empty config is still a config.
	q := filepath.Join(dir, "srv", "empty.conf")
	c.NoError(solution.SaveConfig(q, []byte{}), "SaveConfig of empty data")
	c.Eq(content(q), "", "content of the empty config")
}

func replacesExistingContent() {
	dir := setup()
	p := filepath.Join(dir, "db.conf")
	old := "host=old-db.internal\nuser=billing\npassword=an-old-and-much-longer-password\npool=20\n"
	c.NoError(os.WriteFile(p, []byte(old), 0o600), "write old config")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig over an existing file")
	c.Eq(content(p), creds, "content after the first replacement")
	c.NoError(solution.SaveConfig(p, []byte("user=x\n")), "SaveConfig again")
	c.Eq(content(p), "user=x\n", "content after the second replacement")
}

func unwritableLocationIsAnError() {
	dir := setup()
	blocker := filepath.Join(dir, "etc")
	c.NoError(os.WriteFile(blocker, []byte("a file, not a folder"), 0o600), "write blocker")
	err := solution.SaveConfig(filepath.Join(blocker, "billing", "db.conf"), []byte(creds))
	c.IsError(err, "SaveConfig below a regular file")
	sub := filepath.Join(dir, "db.conf")
	c.NoError(os.Mkdir(sub, 0o700), "mkdir")
	err = solution.SaveConfig(sub, []byte(creds))
	c.IsError(err, "SaveConfig onto an existing folder")
}

func newFileReadableByOthers() {
	dir := setup()
	p := filepath.Join(dir, "db.conf")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig")
	perm := mode(p).Perm()
	c.Check(perm&0o077 == 0, "the new config holding the database password has mode %04o: group or other users can access it", perm)
}

func existingSharedFileStaysShared() {
	dir := setup()
	p := filepath.Join(dir, "db.conf")
	c.NoError(os.WriteFile(p, []byte("# placeholder shipped by the package\n"), 0o644), "write old config")
	c.NoError(os.Chmod(p, 0o644), "chmod old config")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig over an existing 0644 file")
	perm := mode(p).Perm()
	c.Check(perm&0o077 == 0, "after saving the password over a 0644 file, the config has mode %04o: group or other users can still read it", perm)
}

func createdFolderOpenToOthers() {
	dir := setup()
	p := filepath.Join(dir, "etc", "billing", "db.conf")
	c.NoError(solution.SaveConfig(p, []byte(creds)), "SaveConfig into missing folders")
	for _, d := range []string{filepath.Join(dir, "etc"), filepath.Join(dir, "etc", "billing")} {
		perm := mode(d).Perm()
		c.Check(perm&0o007 == 0, "the folder %s created for the config has mode %04o: other users can list or enter it", filepath.Base(d), perm)
	}
}

func main() {
	c.Main(map[string]func(){
		"writes_new_file":                   writesNewFile,
		"creates_missing_folders":           createsMissingFolders,
		"replaces_existing_content":         replacesExistingContent,
		"unwritable_location_is_an_error":   unwritableLocationIsAnError,
		"new_file_readable_by_others":       newFileReadableByOthers,
		"existing_shared_file_stays_shared": existingSharedFileStaysShared,
		"created_folder_open_to_others":     createdFolderOpenToOthers,
	})
}
