package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

type User struct {
	Salt string `json:"salt"`
	Hash string `json:"hash"`
}

type Note struct {
	ID    int    `json:"id"`
	Owner string `json:"owner,omitempty"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

type DB struct {
	Users  map[string]User `json:"users"`
	Notes  []Note          `json:"notes"`
	NextID int             `json:"next_id"`
}

const iterations = 100000

var (
	mu        sync.Mutex
	db        = DB{Users: map[string]User{}, Notes: []Note{}, NextID: 1}
	tokens    = map[string]string{} // token -> username; sessions need not survive a restart
	nextToken = 0
	dataFile  = filepath.Join(os.Getenv("DATA_DIR"), "notes.json")
	username  = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)
)

// pbkdf2 derives a 32-byte key with PBKDF2-HMAC-SHA256 (one block suffices).
func pbkdf2(password, salt []byte) []byte {
	prf := hmac.New(sha256.New, password)
	prf.Write(salt)
	prf.Write(binary.BigEndian.AppendUint32(nil, 1))
	u := prf.Sum(nil)
	t := append([]byte(nil), u...)
	for i := 1; i < iterations; i++ {
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(u[:0])
		for j := range t {
			t[j] ^= u[j]
		}
	}
	return t
}

func save() {
	b, _ := json.Marshal(db)
	if os.WriteFile(dataFile+".tmp", b, 0o600) == nil {
		os.Rename(dataFile+".tmp", dataFile)
	}
}

func reply(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}

func credentials(r *http.Request) (string, string, bool) {
	var c struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if json.NewDecoder(r.Body).Decode(&c) != nil || c.Username == nil || c.Password == nil {
		return "", "", false
	}
	return *c.Username, *c.Password, true
}

func register(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 405, "method not allowed")
		return
	}
	name, password, ok := credentials(r)
	if !ok || !username.MatchString(name) || password == "" {
		fail(w, 400, "username and password are required")
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if _, taken := db.Users[name]; taken {
		fail(w, 409, "username is taken")
		return
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	db.Users[name] = User{Salt: hex.EncodeToString(salt), Hash: hex.EncodeToString(pbkdf2([]byte(password), salt))}
	save()
	reply(w, 201, map[string]string{"username": name})
}

func login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, 405, "method not allowed")
		return
	}
	name, password, ok := credentials(r)
	mu.Lock()
	user, exists := db.Users[name]
	mu.Unlock()
	if !ok || !exists {
		fail(w, 401, "invalid credentials")
		return
	}
	salt, _ := hex.DecodeString(user.Salt)
	want, _ := hex.DecodeString(user.Hash)
	if !hmac.Equal(pbkdf2([]byte(password), salt), want) {
		fail(w, 401, "invalid credentials")
		return
	}
	mu.Lock()
	nextToken++
	token := strconv.Itoa(nextToken)
	tokens[token] = name
	mu.Unlock()
	reply(w, 200, map[string]string{"token": token})
}

func currentUser(r *http.Request) (string, error) {
	header := r.Header.Get("Authorization")
	if !strings.HasPrefix(header, "Bearer ") {
		return "", errors.New("no token")
	}
	mu.Lock()
	defer mu.Unlock()
	if user, ok := tokens[strings.TrimSpace(header[7:])]; ok {
		return user, nil
	}
	return "", errors.New("unknown token")
}

func public(n Note) Note {
	n.Owner = ""
	return n
}

func notes(w http.ResponseWriter, r *http.Request) {
	user, err := currentUser(r)
	if err != nil {
		fail(w, 401, "authentication required")
		return
	}
	mu.Lock()
	defer mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		list := []Note{}
		for _, n := range db.Notes {
			if n.Owner == user {
				list = append(list, public(n))
			}
		}
		reply(w, 200, list)
	case http.MethodPost:
		var in struct {
			Title *string `json:"title"`
			Body  *string `json:"body"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Title == nil || in.Body == nil || *in.Title == "" {
			fail(w, 400, "title and body are required")
			return
		}
		n := Note{ID: db.NextID, Owner: user, Title: *in.Title, Body: *in.Body}
		db.NextID++
		db.Notes = append(db.Notes, n)
		save()
		reply(w, 201, public(n))
	default:
		fail(w, 405, "method not allowed")
	}
}

func oneNote(w http.ResponseWriter, r *http.Request) {
	user, err := currentUser(r)
	if err != nil {
		fail(w, 401, "authentication required")
		return
	}
	id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/notes/"))
	mu.Lock()
	defer mu.Unlock()
	index := -1
	for i, n := range db.Notes {
		if err == nil && n.ID == id && n.Owner == user {
			index = i
		}
	}
	if index < 0 {
		fail(w, 404, "note not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(w, 200, public(db.Notes[index]))
	case http.MethodDelete:
		db.Notes = append(db.Notes[:index], db.Notes[index+1:]...)
		save()
		w.WriteHeader(204)
	default:
		fail(w, 405, "method not allowed")
	}
}

func main() {
	if b, err := os.ReadFile(dataFile); err == nil {
		if err := json.Unmarshal(b, &db); err != nil {
			panic(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/register", register)
	mux.HandleFunc("/login", login)
	mux.HandleFunc("/notes", notes)
	mux.HandleFunc("/notes/", oneNote)
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux); err != nil {
		panic(err)
	}
}
