package solution

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
)

// WriteExport writes rows as CSV to a new .csv file inside dir and returns its path.
func WriteExport(dir string, rows [][]string) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("export-%d.csv", os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		return "", err
	}
	return path, f.Close()
}
