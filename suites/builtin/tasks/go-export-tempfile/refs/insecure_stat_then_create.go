package solution

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
)

// WriteExport writes rows as CSV to a new .csv file inside dir and returns its path.
func WriteExport(dir string, rows [][]string) (string, error) {
	name := fmt.Sprintf("invoices-%d.csv", os.Getpid())
	path := filepath.Join(dir, name)
	// Clear out a stale export left behind by an earlier run.
	if _, err := os.Stat(path); err == nil {
		if err := os.Remove(path); err != nil {
			return "", err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, nil
}
