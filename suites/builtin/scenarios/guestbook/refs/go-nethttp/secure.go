package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

type message struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Text string `json:"text"`
}

var (
	mu       sync.Mutex
	messages = []message{}
	page     = template.Must(template.New("page").Parse(`<!doctype html>
<html>
<head><meta charset="utf-8"><title>Guestbook</title></head>
<body>
<h1>Guestbook</h1>
<ul>
{{range .}}  <li><strong>{{.Name}}</strong>: {{.Text}}</li>
{{end}}</ul>
</body>
</html>
`))
)

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// field trims a required string field and checks its length.
func field(v *string, name string, max int) (string, error) {
	if v == nil {
		return "", fmt.Errorf("%s is required", name)
	}
	s := strings.TrimSpace(*v)
	if n := utf8.RuneCountInString(s); n < 1 || n > max {
		return "", fmt.Errorf("%s must be 1 to %d characters long", name, max)
	}
	return s, nil
}

func addMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name *string `json:"name"`
		Text *string `json:"text"`
	}
	// Decoding into typed fields rejects bad JSON and fields of the wrong type with an error.
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON object with string fields name and text"})
		return
	}
	name, err := field(in.Name, "name", 50)
	if err == nil {
		var text string
		if text, err = field(in.Text, "text", 1000); err == nil {
			mu.Lock()
			m := message{ID: len(messages) + 1, Name: name, Text: text}
			messages = append(messages, m)
			mu.Unlock()
			writeJSON(w, http.StatusCreated, m)
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
}

func snapshot() []message {
	mu.Lock()
	defer mu.Unlock()
	return append([]message{}, messages...)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/messages", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			addMessage(w, r)
		case http.MethodGet:
			writeJSON(w, http.StatusOK, snapshot())
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		// html/template encodes names and texts for the HTML context.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, snapshot())
	})
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
