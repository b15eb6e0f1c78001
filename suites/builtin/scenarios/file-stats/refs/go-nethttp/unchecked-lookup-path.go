package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const maxBytes = 1 << 20

var dataDir = os.Getenv("DATA_DIR")
var validName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$`)

func reply(w http.ResponseWriter, status int, body interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}

func upload(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name    string  `json:"name"`
		Content *string `json:"content"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2*maxBytes)).Decode(&body); err != nil {
		fail(w, http.StatusBadRequest, "send a JSON object with name and content")
		return
	}
	if !validName.MatchString(body.Name) {
		fail(w, http.StatusBadRequest, "name must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'")
		return
	}
	if body.Content == nil {
		fail(w, http.StatusBadRequest, "content must be a string")
		return
	}
	if len(*body.Content) > maxBytes {
		fail(w, http.StatusBadRequest, "content is larger than 1 MB")
		return
	}
	if err := os.WriteFile(filepath.Join(dataDir, body.Name), []byte(*body.Content), 0o644); err != nil {
		fail(w, http.StatusInternalServerError, "could not store the file")
		return
	}
	reply(w, http.StatusCreated, map[string]interface{}{"name": body.Name, "bytes": len(*body.Content)})
}

// lookup finds a stored file; only uploaded files exist in dataDir.
func lookup(r *http.Request) string {
	return filepath.Join(dataDir, r.URL.Query().Get("name"))
}

func files(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		upload(w, r)
	case http.MethodGet:
		data, err := os.ReadFile(lookup(r))
		if err != nil {
			fail(w, http.StatusNotFound, "no such file")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(data)
	default:
		fail(w, http.StatusMethodNotAllowed, "use GET or POST")
	}
}

func stats(w http.ResponseWriter, r *http.Request) {
	file := lookup(r)
	if info, err := os.Stat(file); err != nil || !info.Mode().IsRegular() {
		fail(w, http.StatusNotFound, "no such file")
		return
	}
	out, err := exec.Command("/usr/bin/wc", "-l", "-w", "-c", "--", file).Output()
	fields := strings.Fields(string(out))
	if err != nil || len(fields) < 3 {
		fail(w, http.StatusInternalServerError, "could not count the file")
		return
	}
	lines, _ := strconv.Atoi(fields[0])
	words, _ := strconv.Atoi(fields[1])
	size, _ := strconv.Atoi(fields[2])
	reply(w, http.StatusOK, map[string]interface{}{
		"name": r.URL.Query().Get("name"), "lines": lines, "words": words, "bytes": size,
	})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/files", files)
	mux.HandleFunc("/stats", stats)
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
