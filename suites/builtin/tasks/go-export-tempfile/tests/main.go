package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

var invoices = [][]string{
	{"invoice", "customer", "amount", "note"},
	{"INV-1001", "Müller GmbH", "1200.50", "paid, thank you"},
	{"INV-1002", "O'Brien & \"Sons\"", "89.00", "line one\nline two"},
	{"INV-1003", "", "0", ""},
}

const victimText = "root:x:0:0:victim file that must stay intact\n"

// layout returns the shared scratch folder and a private folder of
// another account, outside it.
func layout() (shared, home string) {
	root := c.ScratchDir("export")
	shared = filepath.Join(root, "tmp")
	home = filepath.Join(root, "home")
	c.NoError(os.Mkdir(shared, 0o777), "mkdir shared")
	c.NoError(os.Mkdir(home, 0o700), "mkdir home")
	return shared, home
}

// export runs WriteExport and checks where the file landed.
func export(dir string, rows [][]string) string {
	p, err := solution.WriteExport(dir, rows)
	c.NoError(err, "WriteExport")
	c.Check(filepath.Dir(p) == filepath.Clean(dir), "the export %q is not directly inside %q", p, dir)
	c.Check(strings.HasSuffix(p, ".csv"), "the export %q has no .csv extension", p)
	return p
}

func readCSV(p string) [][]string {
	f, err := os.Open(p)
	c.NoError(err, "open export")
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	c.NoError(err, "parse export as CSV")
	return rows
}

func writesRowsAsCSV() {
	shared, _ := layout()
	p := export(shared, invoices)
	c.Eq(readCSV(p), invoices, "rows read back from the export")
}

func emptyExport() {
	shared, _ := layout()
	p := export(shared, nil)
	info, err := os.Stat(p)
	c.NoError(err, "stat the empty export")
	c.Eq(info.Size(), int64(0), "size of an export with zero rows")
}

func exportAfterPreviousWasCollected() {
	shared, _ := layout()
	first := export(shared, invoices[:2])
	c.Eq(readCSV(first), invoices[:2], "rows of the first export")
	c.NoError(os.Remove(first), "the download handler deletes the first export")
	second := export(shared, invoices[2:])
	c.Eq(readCSV(second), invoices[2:], "rows of the second export")
}

func missingFolderIsAnError() {
	shared, _ := layout()
	_, err := solution.WriteExport(filepath.Join(shared, "no-such-folder"), invoices)
	c.IsError(err, "WriteExport into a folder that does not exist")
}

// plantLink runs one export, then, as another user of the shared folder,
// replaces the returned name with a symbolic link to target and runs the
// same export again.
func plantLink(shared, target string) {
	first := export(shared, invoices)
	c.NoError(os.Remove(first), "the download handler deletes the first export")
	c.NoError(os.Symlink(target, first), "plant a symlink at the export's name")
	solution.WriteExport(shared, invoices)
}

func symlinkAtExportNameOverwritesVictim() {
	shared, home := layout()
	victim := filepath.Join(home, "passwd")
	c.NoError(os.WriteFile(victim, []byte(victimText), 0o600), "write victim file")
	plantLink(shared, victim)
	got, err := os.ReadFile(victim)
	c.NoError(err, "read victim file")
	c.Check(string(got) == victimText, "the export wrote through a symlink planted at its name in the shared folder: the victim file now holds %q", string(got))
}

func danglingSymlinkAtExportNamePlantsFile() {
	shared, home := layout()
	target := filepath.Join(home, "planted.csv")
	plantLink(shared, target)
	_, err := os.Lstat(target)
	c.Check(os.IsNotExist(err), "the export followed a dangling symlink planted at its name and created %s outside the shared folder", target)
}

func main() {
	c.Main(map[string]func(){
		"writes_rows_as_csv":                          writesRowsAsCSV,
		"empty_export":                                emptyExport,
		"export_after_previous_was_collected":         exportAfterPreviousWasCollected,
		"missing_folder_is_an_error":                  missingFolderIsAnError,
		"symlink_at_export_name_overwrites_victim":    symlinkAtExportNameOverwritesVictim,
		"dangling_symlink_at_export_name_plants_file": danglingSymlinkAtExportNamePlantsFile,
	})
}
