package main

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"
)

type message struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// One goroutine owns the message list; handlers talk to it over channels,
// so no locks are needed.
type addRequest struct {
	body  []byte
	reply chan addResult
}

type addResult struct {
	msg message
	err string
}

var (
	adds  = make(chan addRequest)
	lists = make(chan chan []message)
	page  = template.Must(template.New("page").Parse(`<!doctype html>
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

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// store decodes new messages with panicking helpers (must, single-value type
// assertions). The weakness: net/http recovers a panic only inside a handler,
// and this goroutine is not one, so a body that is not JSON, or a name or text
// that is not a string, ends the whole process instead of giving 400.
func store() {
	messages := []message{}
	for {
		select {
		case req := <-adds:
			var in map[string]interface{}
			must(json.Unmarshal(req.body, &in))
			if in["name"] == nil || in["text"] == nil {
				req.reply <- addResult{err: "name and text are required"}
				continue
			}
			name := strings.TrimSpace(in["name"].(string))
			text := strings.TrimSpace(in["text"].(string))
			if n := utf8.RuneCountInString(name); n < 1 || n > 50 {
				req.reply <- addResult{err: "name must be 1 to 50 characters long"}
				continue
			}
			if n := utf8.RuneCountInString(text); n < 1 || n > 1000 {
				req.reply <- addResult{err: "text must be 1 to 1000 characters long"}
				continue
			}
			m := message{ID: len(messages) + 1, Name: name, Text: text}
			messages = append(messages, m)
			req.reply <- addResult{msg: m}
		case reply := <-lists:
			reply <- append([]message{}, messages...)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func all() []message {
	reply := make(chan []message)
	lists <- reply
	return <-reply
}

func main() {
	go store()
	mux := http.NewServeMux()
	mux.HandleFunc("/messages", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read the body"})
				return
			}
			reply := make(chan addResult)
			adds <- addRequest{body: body, reply: reply}
			res := <-reply
			if res.err != "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": res.err})
				return
			}
			writeJSON(w, http.StatusCreated, res.msg)
		case http.MethodGet:
			writeJSON(w, http.StatusOK, all())
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, all())
	})
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
