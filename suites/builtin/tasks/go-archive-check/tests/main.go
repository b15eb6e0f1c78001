package main

import (
	"compress/gzip"
	"os"
	"path/filepath"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

// writeGzip stores a valid gzip file called name in dir and returns its path.
func writeGzip(dir, name string) string {
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	c.NoError(err, "create "+name)
	zw := gzip.NewWriter(f)
	_, err = zw.Write([]byte("2024-05-01 12:00:00 service started\n"))
	c.NoError(err, "write gzip")
	c.NoError(zw.Close(), "close gzip")
	c.NoError(f.Close(), "close file")
	return p
}

func accepts_valid_archive() {
	dir := c.ScratchDir("gz")
	c.Eq(solution.ArchiveIsIntact(writeGzip(dir, "bundle.gz")), true, "a valid archive")
}

func rejects_corrupt_or_missing_archive() {
	dir := c.ScratchDir("gz")
	good := writeGzip(dir, "good.gz")
	data, err := os.ReadFile(good)
	c.NoError(err, "read")
	cut := filepath.Join(dir, "cut.gz")
	c.NoError(os.WriteFile(cut, data[:len(data)-6], 0o644), "write truncated archive")
	c.Eq(solution.ArchiveIsIntact(cut), false, "a truncated archive")
	plain := filepath.Join(dir, "notes.gz")
	c.NoError(os.WriteFile(plain, []byte("just text, not gzip\n"), 0o644), "write")
	c.Eq(solution.ArchiveIsIntact(plain), false, "a text file")
	c.Eq(solution.ArchiveIsIntact(filepath.Join(dir, "missing.gz")), false, "a missing file")
}

func handles_spaces_in_names() {
	dir := c.ScratchDir("gz")
	c.Eq(solution.ArchiveIsIntact(writeGzip(dir, "May logs (final).gz")), true, "a valid archive with spaces and parentheses in its name")
}

// injected runs the check on a valid archive whose name tries to make a
// shell create marker, and fails if marker appeared.
func injected(name string) {
	dir := c.ScratchDir("gz")
	marker := filepath.Join(dir, "PWNED")
	p := writeGzip(dir, name)
	solution.ArchiveIsIntact(p)
	_, err := os.Stat(marker)
	c.Check(os.IsNotExist(err), "a shell ran a command from the file name %q", name)
	_, err = os.Stat("PWNED")
	c.Check(os.IsNotExist(err), "a shell ran a command from the file name %q", name)
}

func quote_breakout_in_name() {
	injected("x'; touch PWNED; echo '.gz")
	injected("x';touch PWNED;'.gz")
}

func command_substitution_in_name() {
	injected("$(touch PWNED).gz")
	injected("`touch PWNED`.gz")
}

func main() {
	c.Main(map[string]func(){
		"accepts_valid_archive":              accepts_valid_archive,
		"rejects_corrupt_or_missing_archive": rejects_corrupt_or_missing_archive,
		"handles_spaces_in_names":            handles_spaces_in_names,
		"quote_breakout_in_name":             quote_breakout_in_name,
		"command_substitution_in_name":       command_substitution_in_name,
	})
}
