package main

import (
	"strings"
	"testing"
)

type sample struct {
	name string
	rule string
	want bool
	src  string
}

// hdr wraps a body in a file with the usual imports; unused imports are
// fine because gocheck only parses.
func hdr(imports, body string) string {
	var b strings.Builder
	b.WriteString("package p\n\nimport (\n")
	for _, im := range strings.Fields(imports) {
		if strings.Contains(im, "=") {
			parts := strings.SplitN(im, "=", 2)
			b.WriteString("\t" + parts[0] + " \"" + parts[1] + "\"\n")
		} else {
			b.WriteString("\t\"" + im + "\"\n")
		}
	}
	b.WriteString(")\n\n" + body + "\n")
	return b.String()
}

var samples = []sample{
	// CWE-78 / 94
	{"sh -c", "G-CMD-SHELL", true, hdr("os/exec", `func f(p string) error { return exec.Command("sh", "-c", "wc -l "+p).Run() }`)},
	{"bin/bash -c ctx", "G-CMD-SHELL", true, hdr("context os/exec", `func f(ctx context.Context, p string) error { return exec.CommandContext(ctx, "/bin/bash", "-c", p).Run() }`)},
	{"direct args", "G-CMD-SHELL", false, hdr("os/exec", `func f(p string) error { return exec.Command("wc", "-l", "--", p).Run() }`)},
	{"dynamic program", "G-CMD-DYNAMIC", true, hdr("os/exec", `func f(prog string) error { return exec.Command(prog).Run() }`)},
	{"LookPath constant", "G-CMD-DYNAMIC", false, hdr("os/exec", `func f() error { gz, _ := exec.LookPath("gzip"); return exec.Command(gz, "-t").Run() }`)},
	{"aliased exec", "G-CMD-SHELL", true, hdr("x=os/exec", `func f(p string) error { return x.Command("sh", "-c", p).Run() }`)},
	{"python -c", "G-CODE-INTERP", true, hdr("os/exec", `func f(e string) ([]byte, error) { return exec.Command("python3", "-c", "print("+e+")").Output() }`)},
	{"python -c constant", "G-CODE-INTERP", false, hdr("os/exec", `func f(e string) ([]byte, error) { return exec.Command("python3", "-c", "import sys; print(sys.argv[1])", e).Output() }`)},
	// CWE-338
	{"math/rand token", "G-RAND-SECRET", true, hdr("math/rand", `func NewToken() string { b := make([]byte, 16); rand.Read(b); return string(b) }`)},
	{"aliased math/rand secret var", "G-RAND-SECRET", true, hdr("mr=math/rand", `func f() int { sessionID := mr.Int63(); return int(sessionID) }`)},
	{"math/rand shuffle", "G-RAND-SECRET", false, hdr("math/rand", `func shuffle(xs []int) { rand.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] }) }`)},
	{"math/rand shuffle note", "G-RAND-WEAK", true, hdr("math/rand", `func shuffle(xs []int) { rand.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] }) }`)},
	{"crypto/rand", "G-RAND-SECRET", false, hdr("crypto/rand", `func NewToken() []byte { b := make([]byte, 16); rand.Read(b); return b }`)},
	// CWE-327 / 323
	{"md5 import", "G-CRYPTO-BROKEN", true, hdr("crypto/md5", `func f(b []byte) [16]byte { return md5.Sum(b) }`)},
	{"sha256 import", "G-CRYPTO-BROKEN", false, hdr("crypto/sha256", `func f(b []byte) [32]byte { return sha256.Sum256(b) }`)},
	{"ecb", "G-CRYPTO-ECB", true, hdr("crypto/aes", `func f(k, b []byte) { c, _ := aes.NewCipher(k); c.Encrypt(b, b) }`)},
	{"gcm not ecb", "G-CRYPTO-ECB", false, hdr("crypto/aes crypto/cipher", `func f(k []byte) { c, _ := aes.NewCipher(k); cipher.NewGCM(c) }`)},
	{"crypto/rand no note", "G-RAND-WEAK", false, hdr("crypto/rand", `func f(b []byte) { rand.Read(b) }`)},
	{"fixed type", "G-XSS-SNIFF", false, hdr("net/http", `func h(w http.ResponseWriter) { w.Header().Set("Content-Type", "application/pdf") }`)},
	{"ctr no mac", "G-CRYPTO-NOMAC", true, hdr("crypto/aes crypto/cipher", `func f(k, iv, b []byte) { c, _ := aes.NewCipher(k); cipher.NewCTR(c, iv).XORKeyStream(b, b) }`)},
	{"ctr with hmac", "G-CRYPTO-NOMAC", false, hdr("crypto/aes crypto/cipher crypto/hmac", `func f(k, iv, b []byte) { c, _ := aes.NewCipher(k); cipher.NewCTR(c, iv).XORKeyStream(b, b) }`)},
	{"gcm zero nonce", "G-CRYPTO-NONCE", true, hdr("crypto/cipher", `func f(g cipher.AEAD, pt []byte) []byte { nonce := make([]byte, g.NonceSize()); return g.Seal(nil, nonce, pt, nil) }`)},
	{"gcm global nonce", "G-CRYPTO-NONCE", true, hdr("crypto/cipher", "var iv = []byte(\"123456789012\")\nfunc f(g cipher.AEAD, pt []byte) []byte { return g.Seal(nil, iv, pt, nil) }")},
	{"gcm random nonce", "G-CRYPTO-NONCE", false, hdr("crypto/cipher crypto/rand io", `func f(g cipher.AEAD, pt []byte) []byte { nonce := make([]byte, g.NonceSize()); io.ReadFull(rand.Reader, nonce); return g.Seal(nonce, nonce, pt, nil) }`)},
	{"password md5", "G-PASSWORD-HASH", true, hdr("crypto/md5", `func f(password string) [16]byte { return md5.Sum([]byte(password)) }`)},
	{"file md5", "G-PASSWORD-HASH", false, hdr("crypto/md5", `func f(data []byte) [16]byte { return md5.Sum(data) }`)},
	// CWE-79
	{"template.HTML var", "G-XSS-CAST", true, hdr("html/template", `func f(s string) template.HTML { return template.HTML(s) }`)},
	{"template.HTML literal", "G-XSS-CAST", false, hdr("html/template", `func f() template.HTML { return template.HTML("<b>x</b>") }`)},
	{"text/template html", "G-XSS-TEXT-TEMPLATE", true, hdr("text/template", "var t = template.Must(template.New(\"p\").Parse(`<p>{{.}}</p>`))")},
	{"text/template plain", "G-XSS-TEXT-TEMPLATE", false, hdr("text/template", "var t = template.Must(template.New(\"p\").Parse(`Hello {{.}}`))")},
	{"sprintf html", "G-XSS-RAW-HTML", true, hdr("fmt", `func f(name string) string { return fmt.Sprintf("<p>%s</p>", name) }`)},
	{"sprintf html escaped", "G-XSS-RAW-HTML", false, hdr("fmt html", `func f(name string) string { return fmt.Sprintf("<p>%s</p>", html.EscapeString(name)) }`)},
	{"fprintf to writer", "G-XSS-RAW-HTML", true, hdr("fmt net/http", `func h(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "<h1>%s</h1>", r.URL.Query().Get("q")) }`)},
	{"concat html", "G-XSS-RAW-HTML", true, hdr("net/http", `func h(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<b>" + r.FormValue("q") + "</b>")) }`)},
	{"sprintf number", "G-XSS-RAW-HTML", false, hdr("fmt", `func f(n int) string { return fmt.Sprintf("<p>%d</p>", n) }`)},
	{"sniffed type", "G-XSS-SNIFF", true, hdr("net/http", `func h(w http.ResponseWriter, data []byte) { w.Header().Set("Content-Type", http.DetectContentType(data)) }`)},
	// CWE-601
	{"redirect from query", "G-REDIRECT", true, hdr("net/http", `func h(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound) }`)},
	{"redirect constant", "G-REDIRECT", false, hdr("net/http", `func h(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/home", http.StatusFound) }`)},
	{"slash prefix only", "G-REDIRECT-LOCAL", true, hdr("strings", `func RedirectTarget(next string) string { if strings.HasPrefix(next, "/") { return next }; return "/" }`)},
	{"slash prefix complete", "G-REDIRECT-LOCAL", false, hdr("strings", `func RedirectTarget(next string) string { if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.ContainsRune(next, '\\') { return next }; return "/" }`)},
	{"empty host", "G-REDIRECT-LOCAL", true, hdr("net/url", `func SafeRedirect(next string) string { u, err := url.Parse(next); if err != nil || u.Host != "" { return "/" }; return next }`)},
	{"empty host and scheme", "G-REDIRECT-LOCAL", false, hdr("net/url", `func SafeRedirect(next string) string { u, err := url.Parse(next); if err != nil || u.Host != "" || u.Scheme != "" || u.Opaque != "" { return "/" }; return next }`)},
	// CWE-918
	{"http.Get var", "G-SSRF", true, hdr("net/http", `func f(u string) { http.Get(u) }`)},
	{"http.Get literal", "G-SSRF", false, hdr("net/http", `func f() { http.Get("https://example.com/") }`)},
	{"NewRequest var", "G-SSRF", true, hdr("net/http", `func f(u string) { http.NewRequest("GET", u, nil) }`)},
	{"client.Get var", "G-SSRF", true, hdr("net/http", `var client = &http.Client{}
func f(u string) { client.Get(u) }`)},
	{"first address only", "G-SSRF-FILTER", true, hdr("net", `func check(host string) bool { ips, err := net.LookupIP(host); if err != nil { return false }; return !ips[0].IsPrivate() }`)},
	{"addresses unchecked", "G-SSRF-FILTER", true, hdr("net", `func check(host string) bool { ips, err := net.LookupIP(host); return err == nil && len(ips) > 0 }`)},
	{"all addresses", "G-SSRF-FILTER", false, hdr("net", `func check(host string) bool { ips, err := net.LookupIP(host); if err != nil { return false }; for _, ip := range ips { if ip.IsPrivate() { return false } }; return true }`)},
	// CWE-22
	{"join unchecked", "G-PATH-JOIN", true, hdr("os path/filepath", `func f(name string) ([]byte, error) { return os.ReadFile(filepath.Join("/data", name)) }`)},
	{"join via helper", "G-PATH-JOIN", true, hdr("net/http os path/filepath", `func where(r *http.Request) string { return filepath.Join("/data", r.URL.Query().Get("f")) }
func h(w http.ResponseWriter, r *http.Request) { os.ReadFile(where(r)) }`)},
	{"join IsLocal", "G-PATH-JOIN", false, hdr("os path/filepath", `func f(name string) ([]byte, error) { if !filepath.IsLocal(name) { return nil, nil }; return os.ReadFile(filepath.Join("/data", name)) }`)},
	{"join Base", "G-PATH-JOIN", false, hdr("os path/filepath", `func f(name string) ([]byte, error) { return os.ReadFile(filepath.Join("/data", filepath.Base(name))) }`)},
	{"serve concat", "G-PATH-JOIN", true, hdr("net/http", `func h(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, "static/"+r.URL.Path) }`)},
	{"lexical prefix", "G-PATH-SYMLINK", true, hdr("os path/filepath strings", `func f(dir, name string) ([]byte, error) { p := filepath.Join(dir, name); if !strings.HasPrefix(filepath.Clean(p), dir) { return nil, nil }; return os.ReadFile(p) }`)},
	{"prefix after EvalSymlinks", "G-PATH-SYMLINK", false, hdr("os path/filepath strings", `func f(dir, name string) ([]byte, error) { p, _ := filepath.EvalSymlinks(filepath.Join(dir, name)); if !strings.HasPrefix(p, dir) { return nil, nil }; return os.ReadFile(p) }`)},
	// CWE-732
	{"world writable", "G-FILE-PERM", true, hdr("os", `func f(p string, b []byte) error { return os.WriteFile(p, b, 0666) }`)},
	{"mkdir 0777", "G-FILE-PERM", true, hdr("os", `func f(p string) error { return os.MkdirAll(p, 0o777) }`)},
	{"0600", "G-FILE-PERM", false, hdr("os", `func f(p string, b []byte) error { return os.WriteFile(p, b, 0600) }`)},
	{"secret 0644", "G-FILE-PERM-SECRET", true, hdr("os", `func SaveToken(p string, token []byte) error { return os.WriteFile(p, token, 0644) }`)},
	{"report 0644", "G-FILE-PERM-SECRET", false, hdr("os", `func SaveReport(p string, data []byte) error { return os.WriteFile(p, data, 0644) }`)},
	{"0600 existing", "G-FILE-PERM-EXISTING", true, hdr("os", `func f(p string, b []byte) error { return os.WriteFile(p, b, 0600) }`)},
	{"0600 then chmod", "G-FILE-PERM-EXISTING", false, hdr("os", `func f(p string, b []byte) error { if err := os.WriteFile(p, b, 0600); err != nil { return err }; return os.Chmod(p, 0600) }`)},
	// CWE-377
	{"tmp predictable", "G-TEMPFILE", true, hdr("os path/filepath", `func f() { os.Create(filepath.Join(os.TempDir(), "out.csv")) }`)},
	{"tmp literal", "G-TEMPFILE", true, hdr("os", `func f() { os.Create("/tmp/out.csv") }`)},
	{"pid name", "G-TEMPFILE", true, hdr("fmt os path/filepath", `func f(dir string) { os.Create(filepath.Join(dir, fmt.Sprintf("x-%d", os.Getpid()))) }`)},
	{"CreateTemp", "G-TEMPFILE", false, hdr("os", `func f() { os.CreateTemp("", "out-*.csv") }`)},
	{"O_EXCL", "G-TEMPFILE", false, hdr("os", `func f() { os.OpenFile("/tmp/x", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0600) }`)},
	// CWE-400
	{"readall body", "G-BODY-LIMIT", true, hdr("io net/http", `func h(w http.ResponseWriter, r *http.Request) { io.ReadAll(r.Body) }`)},
	{"readall limited", "G-BODY-LIMIT", false, hdr("io net/http", `func h(w http.ResponseWriter, r *http.Request) { r.Body = http.MaxBytesReader(w, r.Body, 1<<20); io.ReadAll(r.Body) }`)},
	{"readall reader param", "G-BODY-LIMIT", true, hdr("io", `func f(r io.Reader) ([]byte, error) { return io.ReadAll(r) }`)},
	{"readall LimitReader", "G-BODY-LIMIT", false, hdr("io", `func f(r io.Reader, n int64) ([]byte, error) { return io.ReadAll(io.LimitReader(r, n)) }`)},
	{"prealloc", "G-ALLOC-SIZE", true, hdr("io", `func f(r io.Reader, n int64) []byte { b := make([]byte, n); io.ReadFull(r, b); return b }`)},
	{"const alloc", "G-ALLOC-SIZE", false, hdr("io", `func f(r io.Reader) []byte { b := make([]byte, 4096); io.ReadFull(r, b); return b }`)},
	{"big exp unbounded", "G-BIG-EXP", true, hdr("math/big", `func pow(b, e *big.Int) *big.Int { r := new(big.Int).Exp(b, e, nil); if r.BitLen() > 64 { return nil }; return r }`)},
	{"big exp sign only", "G-BIG-EXP", true, hdr("math/big", `func pow(b, e *big.Int) *big.Int { if e.Sign() < 0 { return nil }; return new(big.Int).Exp(b, e, nil) }`)},
	{"big exp bounded", "G-BIG-EXP", false, hdr("math/big", `func pow(b, e *big.Int) *big.Int { if e.Cmp(big.NewInt(64)) > 0 { return nil }; return new(big.Int).Exp(b, e, nil) }`)},
	{"big exp modular", "G-BIG-EXP", false, hdr("math/big", `func pow(b, e, m *big.Int) *big.Int { return new(big.Int).Exp(b, e, m) }`)},
	{"join numeric name", "G-PATH-JOIN", false, hdr("fmt os path/filepath", `func f(dir string) { os.Create(filepath.Join(dir, fmt.Sprintf("x-%d.csv", os.Getpid()))) }`)},
	// CWE-117
	{"log user", "G-LOG-INJECTION", true, hdr("log net/http", `func h(w http.ResponseWriter, r *http.Request) { log.Printf("login %s", r.FormValue("user")) }`)},
	{"log %q", "G-LOG-INJECTION", false, hdr("log net/http", `func h(w http.ResponseWriter, r *http.Request) { log.Printf("login %q", r.FormValue("user")) }`)},
	{"audit writer", "G-LOG-INJECTION", true, hdr("fmt io", `func WriteAudit(w io.Writer, user string) { fmt.Fprintf(w, "user=%s\n", user) }`)},
	{"stderr in server", "G-LOG-INJECTION", true, hdr("fmt net/http os", `func h(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(os.Stderr, "bad name %s\n", r.FormValue("n")) }`)},
	{"stderr in a tool", "G-LOG-INJECTION", false, hdr("fmt os", `func main() { fmt.Fprintf(os.Stderr, "cannot open %s\n", os.Args[1]) }`)},
	{"LF only", "G-LOG-INJECTION", true, hdr("log strings", `func f(user string) { log.Println("user", strings.ReplaceAll(user, "\n", " ")) }`)},
	{"CR and LF", "G-LOG-INJECTION", false, hdr("log strings", `func f(user string) { log.Println("user", strings.ReplaceAll(strings.ReplaceAll(user, "\n", " "), "\r", " ")) }`)},
	// CWE-362
	{"global map handler", "G-RACE-GLOBAL", true, hdr("net/http", "var hits = map[string]int{}\nfunc h(w http.ResponseWriter, r *http.Request) { hits[r.URL.Path]++ }")},
	{"global counter goroutine", "G-RACE-GLOBAL", true, hdr("", "var n int\nfunc f() { for i := 0; i < 3; i++ { go func() { n++ }() } }")},
	{"global map locked", "G-RACE-GLOBAL", false, hdr("net/http sync", "var mu sync.Mutex\nvar hits = map[string]int{}\nfunc h(w http.ResponseWriter, r *http.Request) { mu.Lock(); defer mu.Unlock(); hits[r.URL.Path]++ }")},
	{"field map no mutex", "G-RACE-FIELD", true, hdr("", "type T struct{ m map[string]int }\nfunc (t *T) Add(k string) { t.m[k]++ }")},
	{"field map mutex", "G-RACE-FIELD", false, hdr("sync", "type T struct{ mu sync.Mutex; m map[string]int }\nfunc (t *T) Add(k string) { t.mu.Lock(); t.m[k]++; t.mu.Unlock() }")},
	// CWE-208
	{"mac ==", "G-TIMING-COMPARE", true, hdr("", `func f(mac, expectedMAC string) bool { return mac == expectedMAC }`)},
	{"bytes.Equal sig", "G-TIMING-COMPARE", true, hdr("bytes", `func f(signature, want []byte) bool { return bytes.Equal(signature, want) }`)},
	{"digest == with crypto", "G-TIMING-COMPARE", true, hdr("crypto/sha256", `func f(got, wantDigest []byte) bool { return string(got) == string(wantDigest) }`)},
	{"hash table hash", "G-TIMING-COMPARE", false, hdr("", `func f(h, bucketHash uint32) bool { return h == bucketHash }`)},
	{"hmac.Equal", "G-TIMING-COMPARE", false, hdr("crypto/hmac", `func f(sig, want []byte) bool { return hmac.Equal(sig, want) }`)},
	{"token empty", "G-TIMING-COMPARE", false, hdr("", `func f(token string) bool { return token == "" }`)},
	// CWE-295
	{"skip verify", "G-TLS-SKIP", true, hdr("crypto/tls", `var c = &tls.Config{InsecureSkipVerify: true}`)},
	{"verify", "G-TLS-SKIP", false, hdr("crypto/tls", `var c = &tls.Config{MinVersion: tls.VersionTLS12}`)},
	// CWE-89
	{"sprintf query", "G-SQL-CONCAT", true, hdr("database/sql fmt", `func f(db *sql.DB, name string) { db.Query(fmt.Sprintf("SELECT * FROM u WHERE n = '%s'", name)) }`)},
	{"concat exec ctx", "G-SQL-CONCAT", true, hdr("context database/sql", `func f(ctx context.Context, db *sql.DB, id string) { q := "DELETE FROM u WHERE id = " + id; db.ExecContext(ctx, q) }`)},
	{"bound query", "G-SQL-CONCAT", false, hdr("database/sql", `func f(db *sql.DB, name string) { db.Query("SELECT * FROM u WHERE n = ?", name) }`)},
}

func TestRules(t *testing.T) {
	for _, s := range samples {
		if _, ok := ruleByID[s.rule]; !ok {
			t.Fatalf("%s: unknown rule %s", s.name, s.rule)
		}
		fs, err := checkSource(s.name+".go", []byte(s.src))
		if err != nil {
			t.Errorf("%s: does not parse: %v\n%s", s.name, err, s.src)
			continue
		}
		got := false
		for _, f := range fs {
			if f.Rule == s.rule {
				got = true
			}
		}
		if got != s.want {
			t.Errorf("%s: rule %s fired=%v, want %v; findings: %+v\n%s", s.name, s.rule, got, s.want, fs, s.src)
		}
	}
}

func TestEveryRuleHasSamples(t *testing.T) {
	pos, neg := map[string]bool{}, map[string]bool{}
	for _, s := range samples {
		if s.want {
			pos[s.rule] = true
		} else {
			neg[s.rule] = true
		}
	}
	for _, r := range rules {
		if !pos[r.ID] {
			t.Errorf("rule %s has no positive sample", r.ID)
		}
		if !neg[r.ID] {
			t.Errorf("rule %s has no negative sample", r.ID)
		}
	}
}
