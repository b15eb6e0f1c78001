package main

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var (
	files   = filepath.Join(os.Getenv("DATA_DIR"), "files")
	part    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	allowed = map[string]string{
		".txt": "text/plain; charset=utf-8",
		".png": "image/png",
		".jpg": "image/jpeg",
		".pdf": "application/pdf",
	}
	blocked = map[string]bool{".exe": true, ".dll": true, ".bat": true, ".sh": true, ".php": true, ".cgi": true}
)

// storedPath is the file a name refers to, or "" when the name is not acceptable.
func storedPath(name string) string {
	if name == "" || len(name) > 200 {
		return ""
	}
	for _, p := range strings.Split(name, "/") {
		if !part.MatchString(p) {
			return ""
		}
	}
	if blocked[strings.ToLower(filepath.Ext(name))] {
		return ""
	}
	full := filepath.Join(files, filepath.FromSlash(name))
	if rel, err := filepath.Rel(files, full); err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return full
}

func reply(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}

func upload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 405, "method not allowed")
		return
	}
	name := r.URL.Query().Get("name")
	file := storedPath(name)
	if file == "" {
		fail(w, 400, "invalid file name")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		fail(w, 413, "file too large")
		return
	}
	if os.MkdirAll(filepath.Dir(file), 0o755) != nil || os.WriteFile(file, data, 0o644) != nil {
		fail(w, 409, "cannot store a file under this name")
		return
	}
	reply(w, 201, map[string]interface{}{"name": name, "size": len(data)})
}

func download(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		fail(w, 405, "method not allowed")
		return
	}
	file := storedPath(r.URL.Query().Get("name"))
	if file == "" {
		fail(w, 400, "invalid file name")
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fail(w, 404, "no such file")
		return
	}
	contentType, ok := allowed[strings.ToLower(filepath.Ext(file))]
	if !ok {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(data)
}

func list(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	filepath.WalkDir(files, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(files, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(names)
	reply(w, 200, names)
}

func main() {
	if err := os.MkdirAll(files, 0o755); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", upload)
	mux.HandleFunc("/download", download)
	mux.HandleFunc("/files", list)
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux); err != nil {
		panic(err)
	}
}
