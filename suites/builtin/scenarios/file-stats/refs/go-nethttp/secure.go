package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
)

const maxBytes = 1 << 20

var dataDir = os.Getenv("DATA_DIR")
var validName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$`)

// storedPath gives the file for a valid name; names never leave dataDir.
func storedPath(name string) (string, bool) {
	if !validName.MatchString(name) {
		return "", false
	}
	return filepath.Join(dataDir, name), true
}

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
	file, ok := storedPath(body.Name)
	if !ok {
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
	if err := os.WriteFile(file, []byte(*body.Content), 0o644); err != nil {
		fail(w, http.StatusInternalServerError, "could not store the file")
		return
	}
	reply(w, http.StatusCreated, map[string]interface{}{"name": body.Name, "bytes": len(*body.Content)})
}

func read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	file, ok := storedPath(r.URL.Query().Get("name"))
	if !ok {
		fail(w, http.StatusBadRequest, "invalid file name")
		return nil, false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fail(w, http.StatusNotFound, "no such file")
		return nil, false
	}
	return data, true
}

func files(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		upload(w, r)
	case http.MethodGet:
		if data, ok := read(w, r); ok {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(data)
		}
	default:
		fail(w, http.StatusMethodNotAllowed, "use GET or POST")
	}
}

// stats counts like wc: newlines, runs of non-whitespace, bytes.
func stats(w http.ResponseWriter, r *http.Request) {
	data, ok := read(w, r)
	if !ok {
		return
	}
	lines, words, inWord := 0, 0, false
	for _, c := range data {
		switch c {
		case '\n', ' ', '\t', '\r', '\v', '\f':
			if c == '\n' {
				lines++
			}
			inWord = false
		default:
			if !inWord {
				words++
			}
			inWord = true
		}
	}
	reply(w, http.StatusOK, map[string]interface{}{
		"name": r.URL.Query().Get("name"), "lines": lines, "words": words, "bytes": len(data),
	})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/files", files)
	mux.HandleFunc("/stats", stats)
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
