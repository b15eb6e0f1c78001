package solution

import (
	"encoding/csv"
	"os"
)

// WriteExport writes rows as CSV to a new .csv file inside dir and returns its path.
func WriteExport(dir string, rows [][]string) (string, error) {
	// CreateTemp picks an unpredictable name and creates it exclusively
	// (O_EXCL, mode 0600), so nothing planted in the shared folder is
	// opened or followed.
	f, err := os.CreateTemp(dir, "export-*.csv")
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
