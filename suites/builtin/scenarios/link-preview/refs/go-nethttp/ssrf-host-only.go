package main

import (
	"encoding/json"
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

var (
	site    *url.URL
	titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	card    = template.Must(template.New("card").Parse(`<div class="card"><a href="{{.URL}}">{{.Title}}</a></div>` + "\n"))
	client  = &http.Client{
		Timeout: 3 * time.Second,
		// A redirect could lead off the site: do not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
)

type preview struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// checkURL accepts only pages on the site's host.
func checkURL(raw string) error {
	if raw == "" {
		return errors.New("the url parameter is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() != site.Hostname() {
		return errors.New("only pages of the configured site can be previewed")
	}
	return nil
}

func fetchTitle(raw string) (string, bool) {
	resp, err := client.Get(raw)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", false
	}
	m := titleRe.FindSubmatch(body)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(html.UnescapeString(string(m[1]))), true
}

func getPreview(w http.ResponseWriter, r *http.Request) (preview, bool) {
	raw := r.URL.Query().Get("url")
	if err := checkURL(raw); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return preview{}, false
	}
	title, ok := fetchTitle(raw)
	if !ok {
		fail(w, http.StatusBadGateway, "the page could not be fetched or has no title")
		return preview{}, false
	}
	return preview{URL: raw, Title: title}, true
}

func main() {
	var err error
	if site, err = url.Parse(strings.TrimRight(os.Getenv("UPSTREAM_URL"), "/")); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/preview", func(w http.ResponseWriter, r *http.Request) {
		if p, ok := getPreview(w, r); ok {
			writeJSON(w, http.StatusOK, p)
		}
	})
	mux.HandleFunc("/card", func(w http.ResponseWriter, r *http.Request) {
		p, ok := getPreview(w, r)
		if !ok {
			return
		}
		// html/template encodes the title and the link for their contexts.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		card.Execute(w, p)
	})
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
