package main

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"
)

var rules = []rule{
	{ID: "G-CMD-SHELL", CWE: 78, Level: "error", Desc: "command runs through a shell with -c, so data in the script can inject commands"},
	{ID: "G-CMD-DYNAMIC", CWE: 78, Level: "warning", Desc: "the program exec runs is not a constant"},
	{ID: "G-CODE-INTERP", CWE: 94, Level: "error", Desc: "an interpreter is started with code (-c/-e) that is not a constant"},
	{ID: "G-RAND-SECRET", CWE: 338, Level: "error", Desc: "math/rand, which is predictable, used where a token, key, id or other secret is made"},
	{ID: "G-RAND-WEAK", CWE: 338, Level: "note", Desc: "math/rand is predictable; use crypto/rand if the value must not be guessed"},
	{ID: "G-CRYPTO-BROKEN", CWE: 327, Level: "warning", Desc: "import of a broken or weak cryptographic primitive (MD5, SHA-1, DES, RC4)"},
	{ID: "G-CRYPTO-ECB", CWE: 327, Level: "error", Desc: "a block cipher's Encrypt/Decrypt used directly on data (ECB mode)"},
	{ID: "G-CRYPTO-NOMAC", CWE: 327, Also: []int{353}, Level: "warning", Desc: "unauthenticated cipher mode (CTR/CBC/CFB/OFB) in a file with no HMAC, so ciphertexts can be edited"},
	{ID: "G-CRYPTO-NONCE", CWE: 323, Level: "error", Desc: "AEAD Seal or stream cipher with a constant, zero or shared nonce/IV"},
	{ID: "G-PASSWORD-HASH", CWE: 916, Also: []int{522, 328}, Level: "warning", Desc: "password hashed with a fast hash (MD5/SHA) instead of a password hashing function"},
	{ID: "G-XSS-CAST", CWE: 79, Level: "error", Desc: "non-constant value converted to html/template's trusted types (template.HTML, JS, URL...), bypassing escaping"},
	{ID: "G-XSS-TEXT-TEMPLATE", CWE: 79, Level: "warning", Desc: "text/template, which does not escape HTML, used to produce HTML or an HTTP response"},
	{ID: "G-XSS-RAW-HTML", CWE: 79, Level: "warning", Desc: "HTML built by formatting or concatenating unescaped non-constant values"},
	{ID: "G-XSS-SNIFF", CWE: 79, Also: []int{434}, Level: "warning", Desc: "response Content-Type taken from content sniffing or from the client, so uploaded data may be served as HTML"},
	{ID: "G-REDIRECT", CWE: 601, Level: "warning", Desc: "http.Redirect to a non-constant location"},
	{ID: "G-REDIRECT-LOCAL", CWE: 601, Level: "warning", Desc: "a redirect target is accepted as local because it starts with \"/\", without rejecting \"//\" and \"/\\\" (other hosts)"},
	{ID: "G-SSRF", CWE: 918, Level: "warning", Desc: "outgoing HTTP request to a non-constant URL without a dial-time address check"},
	{ID: "G-SSRF-FILTER", CWE: 918, Level: "warning", Desc: "a host name is resolved to vet a URL, but not every resolved address is checked"},
	{ID: "G-PATH-JOIN", CWE: 22, Level: "warning", Desc: "file opened at a path joined from non-constant parts without a containment check"},
	{ID: "G-PATH-SYMLINK", CWE: 22, Also: []int{59}, Level: "note", Desc: "path containment checked lexically only; symbolic links inside the folder can still lead out of it"},
	{ID: "G-FILE-PERM", CWE: 732, Level: "error", Desc: "file or folder created or chmod-ed world-writable or group-writable"},
	{ID: "G-FILE-PERM-SECRET", CWE: 732, Level: "warning", Desc: "file or folder that seems to hold secrets is readable by other users"},
	{ID: "G-FILE-PERM-EXISTING", CWE: 732, Level: "note", Desc: "restrictive mode passed to WriteFile/OpenFile only applies when the file is created; an existing file keeps its mode"},
	{ID: "G-TEMPFILE", CWE: 377, Level: "warning", Desc: "file created at a predictable name in a shared or temporary folder instead of os.CreateTemp"},
	{ID: "G-BODY-LIMIT", CWE: 400, Level: "warning", Desc: "whole request body or reader read without a size limit (http.MaxBytesReader / io.LimitReader)"},
	{ID: "G-ALLOC-SIZE", CWE: 400, Also: []int{789}, Level: "note", Desc: "buffer allocated with a size that comes from the caller or the request, before any data arrives"},
	{ID: "G-BIG-EXP", CWE: 400, Also: []int{770}, Level: "warning", Desc: "math/big exponentiation without modulus whose exponent is not bounded before the call"},
	{ID: "G-LOG-INJECTION", CWE: 117, Level: "note", Desc: "non-constant text written to a log without neutralising CR and LF"},
	{ID: "G-RACE-GLOBAL", CWE: 362, Level: "warning", Desc: "package-level map or counter changed in an HTTP handler or goroutine without a lock or atomic"},
	{ID: "G-RACE-FIELD", CWE: 362, Level: "note", Desc: "method changes a map held by its receiver, whose type has no mutex"},
	{ID: "G-TIMING-COMPARE", CWE: 208, Level: "warning", Desc: "secret value (MAC, signature, token, hash) compared with ==/bytes.Equal instead of a constant-time comparison"},
	{ID: "G-TLS-SKIP", CWE: 295, Level: "error", Desc: "TLS certificate verification turned off (InsecureSkipVerify: true)"},
	{ID: "G-SQL-CONCAT", CWE: 89, Level: "error", Desc: "SQL statement built with fmt.Sprintf or + from non-constant values"},
}

var ruleByID = func() map[string]rule {
	m := map[string]rule{}
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}()

var checks = []func(*analysis){
	checkCommands, checkMathRand, checkCrypto, checkPasswordHash, checkXSS, checkRedirect,
	checkSSRF, checkPaths, checkPerms, checkTempFiles, checkBodyLimit, checkLogs,
	checkRaces, checkTiming, checkTLS, checkSQL, checkBigExp,
}

// eachCall runs fn for every call in the file with the function it is in
// (nil at package level).
func (a *analysis) eachCall(fn func(f *fnCtx, c *ast.CallExpr)) {
	ast.Inspect(a.file, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			fn(a.enclosing(c), c)
		}
		return true
	})
}

// ---------------------------------------------------------------- CWE-78/94

var shells = set("sh", "bash", "zsh", "dash", "ksh", "ash", "cmd", "cmd.exe", "powershell", "pwsh")
var interpreters = set("python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "osascript")

func checkCommands(a *analysis) {
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		if p != "os/exec" || (fn != "Command" && fn != "CommandContext") {
			return
		}
		args := c.Args
		if fn == "CommandContext" {
			if len(args) < 2 {
				return
			}
			args = args[1:]
		}
		if len(args) == 0 {
			return
		}
		prog, ok := a.constString(args[0])
		if !ok && f != nil && a.constProgram(f, args[0]) {
			return
		}
		if !ok {
			a.report("G-CMD-DYNAMIC", c, "exec.%s runs a program whose name is not a constant", fn)
			return
		}
		base := prog[strings.LastIndex(prog, "/")+1:]
		if strings.HasPrefix(base, "python") {
			base = "python"
		}
		for i, arg := range args[1:] {
			s, ok := a.constString(arg)
			if !ok || (s != "-c" && s != "/c" && s != "-e" && s != "-Command" && s != "--eval") {
				continue
			}
			if shells[base] && s != "-e" {
				a.report("G-CMD-SHELL", c, "exec.%s runs %q %s: the script is parsed by a shell; run the program directly with separate arguments", fn, prog, s)
				return
			}
			if interpreters[base] || base == "python" {
				rest := args[1+i+1:]
				if len(rest) > 0 && !a.isConstant(rest[0]) {
					a.report("G-CODE-INTERP", c, "%s %s runs code built at run time; pass data as arguments or stdin, never as code", prog, s)
				}
				return
			}
		}
		if shells[base] && len(args) > 1 {
			// "sh script" with a non-constant script name is still a shell run
			if !a.isConstant(args[1]) {
				a.report("G-CMD-DYNAMIC", c, "exec.%s passes a non-constant script to %q", fn, prog)
			}
		}
	})
}

// constProgram reports whether a program name is a variable only ever set
// from constants or from exec.LookPath of a constant.
func (a *analysis) constProgram(f *fnCtx, e ast.Expr) bool {
	i, ok := unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	rs := f.assigns[i.Name]
	if len(rs) == 0 {
		if v, ok := a.pkgVars[i.Name]; ok && v != nil {
			rs = []ast.Expr{v}
		}
	}
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if a.isConstant(r) {
			continue
		}
		if c, ok := unparen(r).(*ast.CallExpr); ok && a.isPkgCall(c, "os/exec", "LookPath") && len(c.Args) == 1 && a.isConstant(c.Args[0]) {
			continue
		}
		return false
	}
	return true
}

// ---------------------------------------------------------------- CWE-338

var secretWords = set("token", "tokens", "secret", "secrets", "session", "sessions", "sid", "key", "keys", "apikey",
	"password", "passwords", "passwd", "pass", "pwd", "nonce", "salt", "otp", "csrf", "xsrf", "id", "ids", "uuid",
	"guid", "auth", "credential", "credentials", "cookie", "reset", "verifier", "iv", "seed", "code", "pin")

func checkMathRand(a *analysis) {
	name, ok := a.byPath["math/rand"]
	if !ok {
		name, ok = a.byPath["math/rand/v2"]
	}
	if !ok {
		return
	}
	fileSecret := false
	for _, f := range a.funcs {
		if hasWord(splitWords(f.name), secretWords) {
			fileSecret = true
		}
	}
	for v := range a.pkgVars {
		if hasWord(splitWords(v), secretWords) {
			fileSecret = true
		}
	}
	// names assigned from a math/rand call in the same statement
	lhsOf := map[ast.Node][]string{}
	ast.Inspect(a.file, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			var names []string
			for _, l := range s.Lhs {
				names = append(names, exprWords(l)...)
			}
			for _, r := range s.Rhs {
				lhsOf[r] = names
			}
		case *ast.ValueSpec:
			var names []string
			for _, id := range s.Names {
				names = append(names, splitWords(id.Name)...)
			}
			for _, r := range s.Values {
				lhsOf[r] = names
			}
		}
		return true
	})
	var stack []ast.Node
	ast.Inspect(a.file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Name != name || id.Obj != nil {
			return true
		}
		secret := fileSecret
		for _, s := range stack {
			if hasWord(lhsOf[s], secretWords) {
				secret = true
			}
		}
		if f := a.enclosing(sel); f != nil && hasWord(splitWords(f.name), secretWords) {
			secret = true
		}
		if secret {
			a.report("G-RAND-SECRET", sel, "%s.%s from %s is predictable and this code makes tokens, keys or ids; use crypto/rand", name, sel.Sel.Name, a.imports[name])
		} else {
			a.report("G-RAND-WEAK", sel, "%s.%s from %s is predictable; use crypto/rand for anything that must not be guessed", name, sel.Sel.Name, a.imports[name])
		}
		return true
	})
}

// ---------------------------------------------------------------- CWE-327/323

func checkCrypto(a *analysis) {
	for _, im := range a.file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		switch p {
		case "crypto/md5", "crypto/sha1":
			a.report("G-CRYPTO-BROKEN", im, "%s is broken for collision resistance; use crypto/sha256 (or HMAC/AEAD for integrity)", p)
		case "crypto/des", "crypto/rc4":
			a.reportLevel("G-CRYPTO-BROKEN", "error", im, "%s is a broken cipher; use crypto/aes with cipher.NewGCM", p)
		}
	}
	hasMAC := a.hasImport("crypto/hmac", "golang.org/x/crypto/chacha20poly1305", "golang.org/x/crypto/nacl/secretbox")
	// block ciphers: names assigned from aes.NewCipher / des.NewCipher
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		if p == "crypto/cipher" {
			switch fn {
			case "NewCTR", "NewCBCEncrypter", "NewCBCDecrypter", "NewCFBEncrypter", "NewCFBDecrypter", "NewOFB":
				if !hasMAC {
					a.report("G-CRYPTO-NOMAC", c, "cipher.%s gives confidentiality only and nothing here checks a MAC; use cipher.NewGCM", fn)
				}
				if len(c.Args) == 2 && f != nil {
					if why := a.badNonce(f, c.Args[1]); why != "" {
						a.report("G-CRYPTO-NONCE", c.Args[1], "the IV given to cipher.%s is %s; every encryption needs a fresh random IV", fn, why)
					}
				}
			}
			return
		}
		recv, m := methodName(c)
		if (m == "Encrypt" || m == "Decrypt") && len(c.Args) == 2 && f != nil {
			if id, ok := recv.(*ast.Ident); ok {
				for _, r := range f.assigns[id.Name] {
					if a.isPkgCall(r, "crypto/aes", "NewCipher") || a.isPkgCall(r, "crypto/des", "NewCipher", "NewTripleDESCipher") {
						a.report("G-CRYPTO-ECB", c, "%s.%s on the data itself is ECB: equal blocks give equal ciphertext; use cipher.NewGCM", id.Name, m)
						break
					}
				}
			}
		}
		if m == "Seal" && len(c.Args) == 4 && f != nil {
			if why := a.badNonce(f, c.Args[1]); why != "" {
				a.report("G-CRYPTO-NONCE", c.Args[1], "the nonce given to Seal is %s; a repeated nonce breaks AEAD confidentiality and integrity", why)
			}
		}
	})
}

// badNonce says why a nonce expression is not fresh, or "" if it may be.
func (a *analysis) badNonce(f *fnCtx, e ast.Expr) string {
	return a.badNonceV(f, e, 0)
}

func (a *analysis) badNonceV(f *fnCtx, e ast.Expr, depth int) string {
	if depth > 4 {
		return ""
	}
	e = unparen(e)
	switch x := e.(type) {
	case *ast.SliceExpr:
		return a.badNonceV(f, x.X, depth+1)
	case *ast.CompositeLit:
		return "a literal"
	case *ast.BasicLit:
		return "a constant"
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "make" {
			return "a new zero-filled slice"
		}
		if _, ok := x.Fun.(*ast.ArrayType); ok && len(x.Args) == 1 {
			if _, isConst := a.constString(x.Args[0]); isConst {
				return "a constant"
			}
		}
		return ""
	case *ast.Ident:
		if _, ok := a.consts[x.Name]; ok {
			return "a constant"
		}
		rs, local := f.assigns[x.Name]
		if !local {
			if _, isParam := f.params[x.Name]; isParam {
				return ""
			}
			if _, ok := a.pkgVars[x.Name]; ok {
				return "a package-level variable shared by every call"
			}
			return ""
		}
		if a.filled(f, x.Name) {
			return ""
		}
		for _, r := range rs {
			if why := a.badNonceV(f, r, depth+1); why != "" {
				return why + " never filled with random bytes"
			}
		}
	}
	return ""
}

// filled reports whether a buffer named name is passed to a reading call.
func (a *analysis) filled(f *fnCtx, name string) bool {
	for _, c := range f.calls {
		_, m := methodName(c)
		p, fn := a.pkgFunc(c)
		reader := m == "Read" || (p == "io" && (fn == "ReadFull" || fn == "ReadAtLeast")) || fn == "Read"
		if !reader && !(id(c.Fun) == "copy") {
			continue
		}
		for _, arg := range c.Args {
			if root(arg) == name {
				if id(c.Fun) == "copy" && arg != c.Args[0] {
					continue
				}
				return true
			}
		}
	}
	return false
}

func id(e ast.Expr) string {
	if i, ok := e.(*ast.Ident); ok {
		return i.Name
	}
	return ""
}

// root returns the variable at the base of x, x[i:j] or &x.
func root(e ast.Expr) string {
	switch x := unparen(e).(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SliceExpr:
		return root(x.X)
	case *ast.IndexExpr:
		return root(x.X)
	case *ast.UnaryExpr:
		return root(x.X)
	}
	return ""
}

// ---------------------------------------------------------------- CWE-916

var passwordWords = set("password", "passwords", "passwd", "pwd", "passphrase", "pass")

func checkPasswordHash(a *analysis) {
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		fast := false
		switch p {
		case "crypto/md5", "crypto/sha1", "crypto/sha256", "crypto/sha512":
			fast = strings.HasPrefix(fn, "Sum")
		}
		if !fast {
			_, m := methodName(c)
			fast = m == "Write" || m == "WriteString"
			if fast && f != nil {
				fast = a.hasImport("crypto/md5", "crypto/sha1", "crypto/sha256", "crypto/sha512") && !a.hasImport("crypto/hmac")
			}
		}
		if !fast {
			return
		}
		for _, arg := range c.Args {
			if hasWord(exprWords(arg), passwordWords) {
				a.report("G-PASSWORD-HASH", c, "a password goes into a fast hash; use bcrypt, scrypt or argon2 with a salt")
				return
			}
		}
	})
}

// ---------------------------------------------------------------- CWE-79

var trustedTypes = set("HTML", "HTMLAttr", "JS", "JSStr", "CSS", "URL", "Srcset")
var htmlTag = regexp.MustCompile(`<\s*/?\s*[a-zA-Z!]`)

func checkXSS(a *analysis) {
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		if p == "html/template" && trustedTypes[fn] && len(c.Args) == 1 && !a.isConstant(c.Args[0]) {
			a.report("G-XSS-CAST", c, "template.%s(...) marks a non-constant value as safe, so html/template will not escape it", fn)
		}
		// Content-Type from sniffing or from the request
		if _, m := methodName(c); m == "Set" && len(c.Args) == 2 {
			if k, ok := a.constString(c.Args[0]); ok && strings.EqualFold(k, "Content-Type") && f != nil {
				sniff := a.derives(f, c.Args[1], func(x ast.Expr) bool {
					return a.isPkgCall(x, "net/http", "DetectContentType")
				})
				if sniff {
					a.report("G-XSS-SNIFF", c, "the Content-Type comes from http.DetectContentType, so uploaded HTML is served as HTML; set it from an allow-list and add X-Content-Type-Options: nosniff")
				}
			}
		}
	})
	if name, ok := a.byPath["text/template"]; ok {
		html := false
		for _, s := range a.strsAll {
			if htmlTag.MatchString(s) {
				html = true
			}
		}
		if html || a.fileHasHandler() {
			for _, im := range a.file.Imports {
				if p, _ := strconv.Unquote(im.Path.Value); p == "text/template" {
					a.report("G-XSS-TEXT-TEMPLATE", im, "text/template (imported as %s) does not escape HTML; use html/template for HTML output", name)
				}
			}
		}
	}
	// HTML built by Sprintf or concatenation with unescaped values
	ast.Inspect(a.file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			f := a.enclosing(x)
			p, fn := a.pkgFunc(x)
			var format ast.Expr
			var args []ast.Expr
			switch {
			case p == "fmt" && (fn == "Sprintf" || fn == "Errorf") && len(x.Args) > 1:
				if fn == "Errorf" {
					return true
				}
				format, args = x.Args[0], x.Args[1:]
			case p == "fmt" && fn == "Fprintf" && len(x.Args) > 2:
				format, args = x.Args[1], x.Args[2:]
			case p == "fmt" && (fn == "Printf") && len(x.Args) > 1:
				format, args = x.Args[0], x.Args[1:]
			default:
				_, m := methodName(x)
				if (m == "WriteString" || m == "Write") && len(x.Args) == 1 {
					a.checkHTMLConcat(f, x.Args[0])
				}
				return true
			}
			fs, ok := a.constString(format)
			if !ok || !htmlTag.MatchString(fs) {
				return true
			}
			verbs := formatVerbs(fs)
			for i, arg := range args {
				v := byte('v')
				if i < len(verbs) {
					v = verbs[i]
				}
				if v != 's' && v != 'v' {
					continue
				}
				if !a.isConstant(arg) && !a.escaped(f, arg) {
					a.report("G-XSS-RAW-HTML", arg, "a value is formatted into HTML without escaping; use html/template or html.EscapeString")
					break
				}
			}
		case *ast.BinaryExpr:
			if x.Op == token.ADD {
				a.checkHTMLConcat(a.enclosing(x), x)
				return false
			}
		}
		return true
	})
}

func (a *analysis) checkHTMLConcat(f *fnCtx, e ast.Expr) {
	if c, ok := unparen(e).(*ast.CallExpr); ok && len(c.Args) == 1 {
		if _, isConv := c.Fun.(*ast.ArrayType); isConv {
			e = c.Args[0]
		}
	}
	b, ok := unparen(e).(*ast.BinaryExpr)
	if !ok || b.Op != token.ADD {
		return
	}
	var parts []ast.Expr
	var flatten func(x ast.Expr)
	flatten = func(x ast.Expr) {
		if bb, ok := unparen(x).(*ast.BinaryExpr); ok && bb.Op == token.ADD {
			flatten(bb.X)
			flatten(bb.Y)
			return
		}
		parts = append(parts, x)
	}
	flatten(b)
	tag := false
	for _, p := range parts {
		if s, ok := a.constString(p); ok && htmlTag.MatchString(s) {
			tag = true
		}
	}
	if !tag {
		return
	}
	for _, p := range parts {
		if !a.isConstant(p) && !a.escaped(f, p) {
			// the accumulator of s += "<p>" + x is not itself a new value
			if id, ok := unparen(p).(*ast.Ident); ok && f != nil && a.allHTMLSafe(f, id.Name, p) {
				continue
			}
			a.report("G-XSS-RAW-HTML", p, "a value is concatenated into HTML without escaping; use html/template or html.EscapeString")
			return
		}
	}
}

// allHTMLSafe is true for a variable whose every assignment is constant,
// escaped, or an HTML concatenation (reported on its own).
func (a *analysis) allHTMLSafe(f *fnCtx, name string, at ast.Expr) bool {
	rs := f.assigns[name]
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if a.isConstant(r) || a.escaped(f, r) {
			continue
		}
		if b, ok := unparen(r).(*ast.BinaryExpr); ok && b.Op == token.ADD {
			continue
		}
		if c, ok := unparen(r).(*ast.CallExpr); ok {
			if p, fn := a.pkgFunc(c); p == "fmt" && fn == "Sprintf" {
				continue
			}
		}
		return false
	}
	return true
}

var escapers = map[string]bool{
	"html.EscapeString": true, "html/template.HTMLEscapeString": true, "html/template.JSEscapeString": true,
	"html/template.URLQueryEscaper": true, "html/template.HTMLEscaper": true, "net/url.QueryEscape": true,
	"net/url.PathEscape": true, "strconv.Itoa": true, "strconv.FormatInt": true, "strconv.Quote": true,
	"text/template.HTMLEscapeString": true, "encoding/json.Marshal": true,
}

// escaped reports whether e is the result of an escaping function, or a
// variable only ever assigned such results.
func (a *analysis) escaped(f *fnCtx, e ast.Expr) bool {
	return a.escapedV(f, e, 0)
}

func (a *analysis) escapedV(f *fnCtx, e ast.Expr, depth int) bool {
	if depth > 4 {
		return false
	}
	switch x := unparen(e).(type) {
	case *ast.CallExpr:
		p, fn := a.pkgFunc(x)
		if escapers[p+"."+fn] {
			return true
		}
		name := strings.ToLower(fn)
		if p == "" {
			if i, ok := x.Fun.(*ast.Ident); ok {
				name = strings.ToLower(i.Name)
			} else if _, m := methodName(x); m != "" {
				name = strings.ToLower(m)
			}
		}
		if strings.Contains(name, "escape") || strings.Contains(name, "sanitiz") || strings.Contains(name, "quote") {
			return true
		}
		if id(x.Fun) == "len" || id(x.Fun) == "int" || id(x.Fun) == "int64" {
			return true
		}
		if p == "strconv" && strings.HasPrefix(fn, "Format") {
			return true
		}
	case *ast.Ident:
		if f == nil {
			return false
		}
		rs := f.assigns[x.Name]
		if len(rs) == 0 {
			return false
		}
		for _, r := range rs {
			if !a.isConstant(r) && !a.escapedV(f, r, depth+1) {
				return false
			}
		}
		return true
	case *ast.BasicLit:
		return true
	}
	return false
}

// formatVerbs returns the verb letter of each argument-consuming directive.
func formatVerbs(s string) []byte {
	var vs []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		for i < len(s) && strings.IndexByte("+-# 0123456789.[]*", s[i]) >= 0 {
			if s[i] == '*' {
				vs = append(vs, 'd')
			}
			i++
		}
		if i < len(s) && s[i] != '%' {
			vs = append(vs, s[i])
		}
	}
	return vs
}

// ---------------------------------------------------------------- CWE-601

func checkRedirect(a *analysis) {
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		if p, fn := a.pkgFunc(c); p == "net/http" && fn == "Redirect" && len(c.Args) == 4 && f != nil {
			target := c.Args[2]
			if a.isConstant(target) {
				return
			}
			if a.requestDerived(f, target) {
				a.reportLevel("G-REDIRECT", "error", c, "http.Redirect goes to a location taken from the request; allow only local paths or known hosts")
			} else {
				a.report("G-REDIRECT", c, "http.Redirect goes to a non-constant location; make sure it cannot point to another site")
			}
		}
	})
	// A "starts with /" test, or an empty url.URL Host, used as the local-path check.
	for _, f := range a.funcs {
		a.checkEmptyHost(f)
		var slashCheck *ast.CallExpr
		dbl, back := false, false
		for _, c := range f.calls {
			p, fn := a.pkgFunc(c)
			if p == "strings" && fn == "HasPrefix" && len(c.Args) == 2 {
				if s, ok := a.constString(c.Args[1]); ok && s == "/" {
					slashCheck = c
				}
			}
		}
		if slashCheck == nil {
			continue
		}
		for _, s := range f.strs {
			if strings.Contains(s, "//") {
				dbl = true
			}
			if strings.Contains(s, "\\") {
				back = true
			}
		}
		// helpers called from this function may do the other checks
		for _, g := range a.funcs {
			if g != f && f.callees[g.name] {
				for _, s := range g.strs {
					dbl = dbl || strings.Contains(s, "//")
					back = back || strings.Contains(s, "\\")
				}
			}
		}
		redirecty := hasWord(splitWords(f.name), set("redirect", "next", "return", "target", "location", "continue", "dest", "destination", "goto", "url")) ||
			f.words["redirect"] || f.words["next"] || f.words["location"]
		if !redirecty || (dbl && back) {
			continue
		}
		missing := "\"//\" and \"/\\\""
		if dbl {
			missing = "\"/\\\""
		} else if back {
			missing = "\"//\""
		}
		a.report("G-REDIRECT-LOCAL", slashCheck, "a leading \"/\" does not make a redirect target local: browsers treat %s as another host", missing)
	}
}

var redirectWords = set("redirect", "next", "return", "target", "location", "continue", "dest", "destination", "goto", "url")

// checkEmptyHost flags u.Host == "" taken to mean a local path, in code
// about redirects that never looks at the scheme being empty or at Opaque:
// "https:evil.example" and "/\\evil.example" parse with an empty Host.
func (a *analysis) checkEmptyHost(f *fnCtx) {
	if !hasWord(splitWords(f.name), redirectWords) && !f.words["redirect"] {
		return
	}
	var hostTest ast.Node
	schemeEmpty, opaque := false, false
	ast.Inspect(f.decl.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			if x.Op != token.EQL && x.Op != token.NEQ {
				return true
			}
			for _, pair := range [][2]ast.Expr{{x.X, x.Y}, {x.Y, x.X}} {
				sel, ok := pair[0].(*ast.SelectorExpr)
				s, isLit := litString(pair[1])
				if !ok || !isLit || s != "" {
					if c, isCall := pair[0].(*ast.CallExpr); isCall && isLit && s == "" {
						if _, m := methodName(c); m == "Hostname" && hostTest == nil {
							hostTest = x
						}
					}
					continue
				}
				switch sel.Sel.Name {
				case "Host":
					if hostTest == nil {
						hostTest = x
					}
				case "Scheme":
					schemeEmpty = true
				case "Opaque":
					opaque = true
				}
			}
		case *ast.SelectorExpr:
			if x.Sel.Name == "Opaque" || x.Sel.Name == "IsAbs" {
				opaque = true
			}
		}
		return true
	})
	if hostTest != nil && !schemeEmpty && !opaque {
		a.report("G-REDIRECT-LOCAL", hostTest, "an empty Host does not make a URL local: \"https:evil.example\" (Opaque) and \"/\\\\evil.example\" parse without one; also require an empty Scheme and Opaque")
	}
}

// ---------------------------------------------------------------- CWE-918

func (a *analysis) dialGuard() bool {
	guard := false
	ast.Inspect(a.file, func(n ast.Node) bool {
		if kv, ok := n.(*ast.KeyValueExpr); ok {
			if k := id(kv.Key); k == "Control" || k == "ControlContext" {
				guard = true
			}
		}
		return !guard
	})
	return guard
}

// hostAllowList reports whether the file compares a parsed URL's full Host
// (name and port) with ==/!=, an allow-list of exact origins.
func (a *analysis) hostAllowList() bool {
	found := false
	ast.Inspect(a.file, func(n ast.Node) bool {
		b, ok := n.(*ast.BinaryExpr)
		if !ok || (b.Op != token.EQL && b.Op != token.NEQ) {
			return true
		}
		for _, pair := range [][2]ast.Expr{{b.X, b.Y}, {b.Y, b.X}} {
			if sel, ok := pair[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Host" {
				if s, isLit := litString(pair[1]); !isLit || s != "" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

func checkSSRF(a *analysis) {
	checkAddressFilters(a)
	dial, allow := a.dialGuard(), a.hostAllowList()
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		var u ast.Expr
		what := ""
		switch {
		case p == "net/http" && (fn == "Get" || fn == "Head" || fn == "Post" || fn == "PostForm") && len(c.Args) >= 1:
			u, what = c.Args[0], "http."+fn
		case p == "net/http" && fn == "NewRequest" && len(c.Args) >= 2:
			u, what = c.Args[1], "http.NewRequest"
		case p == "net/http" && fn == "NewRequestWithContext" && len(c.Args) >= 3:
			u, what = c.Args[2], "http.NewRequestWithContext"
		case p == "":
			recv, m := methodName(c)
			if (m == "Get" || m == "Head" || m == "Post" || m == "PostForm") && len(c.Args) >= 1 && recv != nil {
				if hasWord(exprWords(recv), set("client", "http", "c", "cl", "hc")) && !isMapLike(recv) {
					u, what = c.Args[0], m
				}
			}
		}
		if u == nil || a.isConstant(u) {
			return
		}
		if dial {
			a.reportLevel("G-SSRF", "note", c, "%s fetches a non-constant URL; the dialer has a Control hook, make sure it refuses internal addresses", what)
			return
		}
		if allow {
			a.reportLevel("G-SSRF", "note", c, "%s fetches a non-constant URL; the file compares URL hosts with an allow-list, make sure every fetched URL passes it", what)
			return
		}
		a.report("G-SSRF", c, "%s fetches a non-constant URL; check the address actually dialled (net.Dialer.Control) against internal ranges, not just the URL text", what)
	})
}

var lookupFuncs = set("LookupIP", "LookupHost", "LookupIPAddr", "LookupNetIP", "LookupAddr")

// checkAddressFilters looks at code that resolves a host name to vet it:
// every address the name resolves to must be checked, not the first one,
// and not none.
func checkAddressFilters(a *analysis) {
	for _, f := range a.funcs {
		resolved := map[string]*ast.CallExpr{}
		funcParams := map[string]bool{}
		for name, t := range f.params {
			if ft, ok := t.(*ast.FuncType); ok && ft.Results != nil {
				for _, r := range ft.Results.List {
					if at, ok := r.Type.(*ast.ArrayType); ok {
						if p, n := a.pkgSel(at.Elt); p == "net" && (n == "IP" || n == "IPAddr") || id(at.Elt) == "string" {
							funcParams[name] = true
						}
						if p, n := a.pkgSel(at.Elt); p == "net/netip" && n == "Addr" {
							funcParams[name] = true
						}
					}
				}
			}
		}
		ast.Inspect(f.decl.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Rhs) != 1 || len(as.Lhs) < 1 {
				return true
			}
			c, ok := unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok {
				return true
			}
			p, fn := a.pkgFunc(c)
			_, m := methodName(c)
			if (p == "net" && lookupFuncs[fn]) || (p == "" && lookupFuncs[m]) || funcParams[id(c.Fun)] {
				if v := id(as.Lhs[0]); v != "" && v != "_" {
					resolved[v] = c
				}
			}
			return true
		})
		for v, c := range resolved {
			ranged, indexed, passed := false, false, false
			ast.Inspect(f.decl.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.RangeStmt:
					if root(x.X) == v {
						ranged = true
					}
				case *ast.IndexExpr:
					if id(x.X) == v {
						indexed = true
					}
				case *ast.CallExpr:
					if id(x.Fun) != "len" {
						for _, arg := range x.Args {
							if id(arg) == v {
								passed = true
							}
						}
					}
				case *ast.ReturnStmt:
					for _, r := range x.Results {
						if id(r) == v {
							passed = true
						}
					}
				}
				return true
			})
			switch {
			case ranged || passed:
			case indexed:
				a.report("G-SSRF-FILTER", c, "only one of the addresses %s resolves to is checked; a name can resolve to a public and an internal address, check them all", v)
			default:
				a.report("G-SSRF-FILTER", c, "the addresses %s resolves to are never checked against internal ranges, so a host name pointing inside passes", v)
			}
		}
	}
}

func isMapLike(e ast.Expr) bool {
	w := exprWords(e)
	return hasWord(w, set("header", "query", "form", "values", "q", "cache", "m", "store"))
}

// ---------------------------------------------------------------- CWE-22

func (a *analysis) joinedPath(f *fnCtx, e ast.Expr) bool {
	return a.derives(f, e, func(x ast.Expr) bool {
		switch y := x.(type) {
		case *ast.CallExpr:
			if g := a.funcNamed(id(y.Fun)); g != nil && g != f && a.returnsJoinedPath(g) {
				return true
			}
			p, fn := a.pkgFunc(y)
			if (p == "path/filepath" || p == "path") && fn == "Join" {
				parts := y.Args
				if len(parts) > 1 {
					parts = parts[1:] // the first part is the base folder
				}
				for _, arg := range parts {
					if !a.isConstant(arg) && !a.safePart(f, arg) {
						return true
					}
				}
			}
		case *ast.BinaryExpr:
			if y.Op == token.ADD && !a.isConstant(y) {
				if s, ok := a.constString(y.X); ok && strings.HasSuffix(s, "/") {
					return true
				}
				if s, ok := a.constString(y.Y); ok && strings.HasPrefix(s, "/") {
					return true
				}
				if _, ok := y.Y.(*ast.BasicLit); !ok {
					if s, ok := a.constString(y.X); ok && (strings.HasSuffix(s, "/") || strings.HasSuffix(s, string([]byte{'\\'}))) {
						return true
					}
				}
			}
		}
		return false
	})
}

// returnsJoinedPath reports whether helper g returns a path joined from
// non-constant parts without checking it.
func (a *analysis) returnsJoinedPath(g *fnCtx) bool {
	if v, ok := a.pathHelpers[g.name]; ok {
		return v
	}
	a.pathHelpers[g.name] = false // recursion guard
	res := false
	if checked, _ := a.pathChecked(g); !checked {
		for _, r := range returns(g) {
			if a.joinedPath(g, r) {
				res = true
			}
		}
	}
	a.pathHelpers[g.name] = res
	return res
}

// safePart is true for path parts that cannot hold separators: filepath.Base
// results and numbers.
func (a *analysis) safePart(f *fnCtx, e ast.Expr) bool {
	return a.safePartV(f, e, 0)
}

func (a *analysis) safePartV(f *fnCtx, e ast.Expr, depth int) bool {
	if i, ok := unparen(e).(*ast.Ident); ok && f != nil && depth < 4 {
		if rs := f.assigns[i.Name]; len(rs) > 0 {
			for _, r := range rs {
				if !a.isConstant(r) && !a.safePartV(f, r, depth+1) {
					return false
				}
			}
			return true
		}
	}
	if c, ok := unparen(e).(*ast.CallExpr); ok && a.isPkgCall(c, "fmt", "Sprintf") && len(c.Args) > 0 {
		// a name made only of numbers cannot hold a separator
		if fs, ok := a.constString(c.Args[0]); ok && !strings.ContainsAny(fs, "/\\") {
			numeric := true
			for _, v := range formatVerbs(fs) {
				if strings.IndexByte("dxXobcU", v) < 0 {
					numeric = false
				}
			}
			if numeric {
				return true
			}
		}
	}
	return a.derives(f, e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.CallExpr); ok {
			p, fn := a.pkgFunc(c)
			return ((p == "path/filepath" || p == "path") && fn == "Base") || (p == "strconv") || (p == "os" && (fn == "TempDir" || fn == "Getwd" || fn == "UserHomeDir"))
		}
		return false
	})
}

func (a *analysis) pathChecked(f *fnCtx) (checked bool, lexical bool) {
	for _, c := range f.calls {
		p, fn := a.pkgFunc(c)
		switch {
		case p == "path/filepath" && (fn == "Rel" || fn == "IsLocal" || fn == "EvalSymlinks"):
			checked = true
		case p == "strings" && fn == "HasPrefix" && len(c.Args) == 2:
			if !a.isConstant(c.Args[1]) {
				checked, lexical = true, true
			}
		case p == "strings" && (fn == "Contains" || fn == "ContainsAny" || fn == "ContainsRune" || fn == "IndexByte" || fn == "IndexAny") && len(c.Args) == 2:
			if s, ok := a.constString(c.Args[1]); ok && (strings.Contains(s, "..") || strings.Contains(s, "/") || strings.Contains(s, "\\")) {
				checked = true
			}
		case p == "regexp" || (p == "" && func() bool { _, m := methodName(c); return m == "MatchString" }()):
			checked = true
		case p == "os" && (fn == "OpenRoot" || fn == "OpenInRoot"):
			checked = true
		}
		if _, m := methodName(c); m == "MatchString" || m == "ValidName" {
			checked = true
		}
	}
	for _, g := range a.funcs { // validation helpers such as validName(name)
		if g != f && f.callees[g.name] && hasWord(splitWords(g.name), set("valid", "validate", "safe", "check", "allowed", "sanitize", "clean", "confine", "inside", "within")) {
			checked = true
		}
	}
	return
}

func checkPaths(a *analysis) {
	fileOps := set("Open", "OpenFile", "ReadFile", "Create", "WriteFile", "Remove", "RemoveAll", "ReadDir", "Stat", "Lstat", "Truncate")
	for _, f := range a.funcs {
		checked, lexical := a.pathChecked(f)
		for _, c := range f.calls {
			p, fn := a.pkgFunc(c)
			var arg ast.Expr
			switch {
			case (p == "os" || p == "io/ioutil") && fileOps[fn] && len(c.Args) >= 1:
				arg = c.Args[0]
			case p == "net/http" && fn == "ServeFile" && len(c.Args) == 3:
				arg = c.Args[2]
			default:
				continue
			}
			if !a.joinedPath(f, arg) {
				continue
			}
			if !checked {
				a.report("G-PATH-JOIN", c, "%s.%s opens a path joined from non-constant parts; check the result stays inside its folder (filepath.IsLocal / filepath.Rel, or os.Root)", defaultImportName(p), fn)
			} else if lexical && !a.symlinkSafe(f) && fn != "Remove" && fn != "Stat" && fn != "Lstat" {
				a.report("G-PATH-SYMLINK", c, "the folder check is on the path text only; a symbolic link inside the folder can point out of it (resolve with filepath.EvalSymlinks first, or use os.Root)")
			}
		}
	}
}

func (a *analysis) symlinkSafe(f *fnCtx) bool {
	for _, g := range a.funcs {
		if g == f || f.callees[g.name] {
			if a.callsAny(g, "path/filepath.EvalSymlinks", "os.Lstat", "os.Readlink", "os.OpenRoot", "os.OpenInRoot") {
				return true
			}
			for _, w := range []string{"O_NOFOLLOW", "ModeSymlink"} {
				if g.words[strings.ToLower(w)] || g.words["nofollow"] {
					return true
				}
			}
		}
	}
	found := false
	ast.Inspect(a.file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "O_NOFOLLOW" || sel.Sel.Name == "ModeSymlink") {
			found = true
		}
		return !found
	})
	return found
}

// ---------------------------------------------------------------- CWE-732

var secretFileWords = set("key", "keys", "secret", "secrets", "token", "tokens", "password", "passwords", "passwd",
	"credential", "credentials", "creds", "cred", "private", "pem", "auth", "apikey", "config", "cfg", "wallet", "ssh")

func checkPerms(a *analysis) {
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		p, fn := a.pkgFunc(c)
		idx := -1
		var pathArg ast.Expr
		switch {
		case (p == "os" || p == "io/ioutil") && fn == "WriteFile" && len(c.Args) == 3:
			idx, pathArg = 2, c.Args[0]
		case p == "os" && fn == "OpenFile" && len(c.Args) == 3:
			idx, pathArg = 2, c.Args[0]
		case p == "os" && (fn == "Mkdir" || fn == "MkdirAll" || fn == "Chmod") && len(c.Args) == 2:
			idx, pathArg = 1, c.Args[0]
		default:
			_, m := methodName(c)
			if m == "Chmod" && len(c.Args) == 1 && p == "" {
				idx = 0
			} else {
				return
			}
		}
		mode, ok := intLit(c.Args[idx])
		if !ok {
			return
		}
		name := fn
		if p != "" {
			name = defaultImportName(p) + "." + fn
		}
		if mode&0o022 != 0 {
			who := "other users"
			if mode&0o002 == 0 {
				who = "the group"
			}
			a.report("G-FILE-PERM", c, "%s with mode %#o lets %s write it; use 0600 for files and 0700 for folders unless sharing is intended", name, mode, who)
			return
		}
		if mode&0o044 != 0 {
			var ws []string
			if pathArg != nil {
				ws = append(ws, exprWords(pathArg)...)
			}
			if f != nil {
				ws = append(ws, splitWords(f.name)...)
				for _, arg := range c.Args {
					ws = append(ws, exprWords(arg)...)
				}
			}
			if hasWord(ws, secretFileWords) {
				a.report("G-FILE-PERM-SECRET", c, "%s with mode %#o lets other users read what seems to be secret data; use 0600 (0700 for folders)", name, mode)
				return
			}
		}
		if f != nil && (fn == "WriteFile" || fn == "OpenFile") && mode&0o077 == 0 {
			excl := false
			ast.Inspect(c, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "O_EXCL" {
					excl = true
				}
				return true
			})
			if !excl && !a.callsAny(f, "os.Chmod", ".Chmod", "os.Rename", "os.CreateTemp", "io/ioutil.TempFile") {
				a.report("G-FILE-PERM-EXISTING", c, "mode %#o only applies if %s creates the file; an existing file keeps its old permissions (write to a new temporary file and rename it, or Chmod)", mode, name)
			}
		}
	})
}

func intLit(e ast.Expr) (int64, bool) {
	e = unparen(e)
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 { // os.FileMode(0644), fs.FileMode(0644)
		e = unparen(c.Args[0])
	}
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.INT {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(b.Value, "_", ""), 0, 64)
	return v, err == nil
}

// ---------------------------------------------------------------- CWE-377

func checkTempFiles(a *analysis) {
	for _, f := range a.funcs {
		for _, c := range f.calls {
			p, fn := a.pkgFunc(c)
			if p != "os" || (fn != "Create" && fn != "OpenFile") || len(c.Args) == 0 {
				continue
			}
			if fn == "OpenFile" && len(c.Args) >= 2 {
				excl := false
				ast.Inspect(c.Args[1], func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "O_EXCL" {
						excl = true
					}
					return true
				})
				if excl {
					continue
				}
			}
			arg := c.Args[0]
			shared := a.derives(f, arg, func(x ast.Expr) bool {
				if a.isPkgCall(x, "os", "TempDir") {
					return true
				}
				if s, ok := litString(x); ok && (strings.HasPrefix(s, "/tmp/") || strings.HasPrefix(s, "/var/tmp/") || strings.HasPrefix(s, "/dev/shm/") || s == "/tmp") {
					return true
				}
				return false
			})
			predictable := a.derives(f, arg, func(x ast.Expr) bool {
				return a.isPkgCall(x, "os", "Getpid", "Getppid", "Getuid") || a.isPkgCall(x, "time", "Now")
			})
			if shared || predictable {
				why := "a shared temporary folder"
				if !shared {
					why = "a name made from the process id or the time"
				}
				a.report("G-TEMPFILE", c, "os.%s opens %s without O_EXCL; another user can plant a symbolic link there first: use os.CreateTemp", fn, why)
			}
		}
	}
}

// ---------------------------------------------------------------- CWE-400

func checkBodyLimit(a *analysis) {
	for _, f := range a.funcs {
		limited := a.callsAny(f, "net/http.MaxBytesReader", "io.LimitReader", "io.CopyN", "io/ioutil.LimitReader")
		ast.Inspect(f.decl.Body, func(n ast.Node) bool {
			if cl, ok := n.(*ast.CompositeLit); ok {
				if p, name := a.pkgSel(cl.Type); p == "io" && name == "LimitedReader" {
					limited = true
				}
			}
			return true
		})
		for _, c := range f.calls {
			p, fn := a.pkgFunc(c)
			var src ast.Expr
			switch {
			case (p == "io" || p == "io/ioutil") && fn == "ReadAll" && len(c.Args) == 1:
				src = c.Args[0]
			case p == "encoding/json" && fn == "NewDecoder" && len(c.Args) == 1:
				src = c.Args[0]
			case p == "io" && fn == "Copy" && len(c.Args) == 2:
				src = c.Args[1]
			default:
				continue
			}
			if limited {
				continue
			}
			body := false
			if sel, ok := unparen(src).(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" {
				body = true
			}
			reader := false
			if i, ok := unparen(src).(*ast.Ident); ok {
				if t, isParam := f.params[i.Name]; isParam {
					if pp, n := a.pkgSel(t); pp == "io" && (n == "Reader" || n == "ReadCloser") {
						reader = true
					}
				}
			}
			if body && fn == "NewDecoder" {
				a.reportLevel("G-BODY-LIMIT", "note", c, "json.NewDecoder reads a request body of any size; wrap it in http.MaxBytesReader")
			} else if body {
				a.report("G-BODY-LIMIT", c, "%s.%s reads the whole body with no size limit; wrap it in http.MaxBytesReader", defaultImportName(p), fn)
			} else if reader && fn != "NewDecoder" && fn != "Copy" {
				a.report("G-BODY-LIMIT", c, "%s.%s reads a caller's reader to the end with no size limit; wrap it in io.LimitReader", defaultImportName(p), fn)
			}
		}
		// make([]byte, n) where n comes from a parameter or the request
		for _, c := range f.calls {
			if id(c.Fun) != "make" || len(c.Args) < 2 {
				continue
			}
			if at, ok := c.Args[0].(*ast.ArrayType); !ok || id(at.Elt) != "byte" {
				continue
			}
			size := c.Args[1]
			if len(c.Args) == 3 {
				size = c.Args[2]
			}
			if a.isConstant(size) {
				continue
			}
			fromOutside := a.derives(f, size, func(x ast.Expr) bool {
				if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "ContentLength" {
					return true
				}
				if i, ok := x.(*ast.Ident); ok {
					if t, isParam := f.params[i.Name]; isParam && f.assigns[i.Name] == nil {
						return isIntType(t)
					}
				}
				return false
			})
			if fromOutside {
				a.report("G-ALLOC-SIZE", c, "the buffer is allocated at a size given from outside before any data arrives; grow it as data is read instead")
			}
		}
	}
}

func isIntType(t ast.Expr) bool {
	switch id(t) {
	case "int", "int64", "int32", "uint", "uint64", "uint32":
		return true
	}
	return false
}

// ---------------------------------------------------------------- CWE-117

var logMethods = set("Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln",
	"Info", "Infof", "Warn", "Warnf", "Warning", "Warningf", "Error", "Errorf", "Debug", "Debugf")
var logWords = set("log", "logger", "audit", "journal", "syslog", "logf", "lg")

func checkLogs(a *analysis) {
	for _, f := range a.funcs {
		neutral := a.logNeutralises(f)
		for _, c := range f.calls {
			p, fn := a.pkgFunc(c)
			var format ast.Expr
			var args []ast.Expr
			hasFormat := false
			switch {
			case p == "log" && logMethods[fn]:
				args = c.Args
				if strings.HasSuffix(fn, "f") && len(args) > 0 {
					format, args, hasFormat = args[0], args[1:], true
				}
			case p == "fmt" && (fn == "Fprintf" || fn == "Fprintln" || fn == "Fprint") && len(c.Args) > 1:
				if !a.logSink(f, c.Args[0]) {
					continue
				}
				args = c.Args[1:]
				if fn == "Fprintf" {
					format, args, hasFormat = args[0], args[1:], true
				}
			case p == "io" && fn == "WriteString" && len(c.Args) == 2:
				if !a.logSink(f, c.Args[0]) {
					continue
				}
				args = c.Args[1:]
			case p == "":
				recv, m := methodName(c)
				if recv == nil {
					continue
				}
				if logMethods[m] && hasWord(exprWords(recv), logWords) {
					args = c.Args
					if strings.HasSuffix(m, "f") && len(args) > 0 {
						format, args, hasFormat = args[0], args[1:], true
					}
				} else if (m == "Write" || m == "WriteString") && len(c.Args) == 1 && a.logSink(f, recv) {
					args = c.Args
				} else {
					continue
				}
			default:
				continue
			}
			var verbs []byte
			if hasFormat {
				fs, ok := a.constString(format)
				if !ok {
					if !neutral {
						a.report("G-LOG-INJECTION", c, "the log format itself is not a constant")
					}
					continue
				}
				verbs = formatVerbs(fs)
			}
			for i, arg := range args {
				v := byte('v')
				if hasFormat {
					if i >= len(verbs) {
						continue
					}
					v = verbs[i]
				}
				if v != 's' && v != 'v' {
					continue // %q, %d, %x... cannot carry a raw line break
				}
				if a.isConstant(arg) || a.logSafe(f, arg) || neutral {
					continue
				}
				if n := id(arg); n == "err" || strings.HasSuffix(n, "Err") {
					continue // error values: too common to be worth a note
				}
				a.report("G-LOG-INJECTION", arg, "a value goes into the log as it is; a CR or LF in it can forge log lines (use %%q or strip CR and LF)")
				break
			}
		}
	}
}

// logSink reports whether w looks like a log destination.
func (a *analysis) logSink(f *fnCtx, w ast.Expr) bool {
	if p, n := a.pkgSel(w); p == "os" && n == "Stderr" {
		// in a server, standard error is the log; in a command-line tool
		// it is the user's terminal
		return a.fileHasHandler() || a.requestDerivedAny(f)
	}
	if hasWord(exprWords(w), logWords) {
		return true
	}
	// an io.Writer parameter of a function whose name says it logs
	if i, ok := unparen(w).(*ast.Ident); ok {
		if _, isParam := f.params[i.Name]; isParam && hasWord(splitWords(f.name), logWords) {
			return true
		}
	}
	return false
}

// requestDerivedAny reports whether f reads from an *http.Request.
func (a *analysis) requestDerivedAny(f *fnCtx) bool {
	for _, t := range f.params {
		if a.isRequestType(t) {
			return true
		}
	}
	return false
}

// logNeutralises is true when the function strips both CR and LF with one
// replace helper applied to everything, e.g. a strings.NewReplacer.
func (a *analysis) logNeutralises(f *fnCtx) bool {
	return false
}

// logSafe reports whether a logged value was passed through something that
// removes or escapes both CR and LF.
func (a *analysis) logSafe(f *fnCtx, e ast.Expr) bool {
	return a.logSafeV(f, e, 0)
}

func (a *analysis) logSafeV(f *fnCtx, e ast.Expr, depth int) bool {
	if depth > 5 {
		return false
	}
	switch x := unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.BinaryExpr:
		return (a.isConstant(x.X) || a.logSafeV(f, x.X, depth)) && (a.isConstant(x.Y) || a.logSafeV(f, x.Y, depth))
	case *ast.CallExpr:
		p, fn := a.pkgFunc(x)
		if p == "strconv" && (strings.HasPrefix(fn, "Quote") || strings.HasPrefix(fn, "Format") || fn == "Itoa") {
			return true
		}
		if p == "fmt" && fn == "Sprintf" && len(x.Args) > 0 {
			if fs, ok := a.constString(x.Args[0]); ok {
				vs := formatVerbs(fs)
				for i, arg := range x.Args[1:] {
					if i < len(vs) && vs[i] != 's' && vs[i] != 'v' {
						continue
					}
					if !a.isConstant(arg) && !a.logSafeV(f, arg, depth+1) {
						return false
					}
				}
				return true
			}
		}
		if p == "encoding/json" && fn == "Marshal" {
			return true
		}
		if p == "strings" && (fn == "ReplaceAll" || fn == "Replace") && len(x.Args) >= 3 {
			// a chain of replaces must remove both CR and LF
			return a.replaceChainCovers(f, x, depth)
		}
		if _, m := methodName(x); m == "Replace" && len(x.Args) == 1 {
			if recv, _ := methodName(x); recv != nil {
				return a.replacerCovers(f, recv)
			}
		}
		if _, m := methodName(x); m == "Format" || m == "String" && len(x.Args) == 0 {
			// t.Format(...), d.String()
			if m == "Format" {
				return true
			}
		}
		if p == "strings" && fn == "Map" {
			return true
		}
		if id(x.Fun) == "len" {
			return true
		}
		name := strings.ToLower(fn)
		if p == "" {
			if i, ok := x.Fun.(*ast.Ident); ok {
				name = strings.ToLower(i.Name)
			}
		}
		if p == "" && (strings.Contains(name, "sanitiz") || strings.Contains(name, "escape") || strings.Contains(name, "quote") || strings.Contains(name, "clean") || strings.Contains(name, "neutral") || strings.Contains(name, "strip")) {
			// a helper of this file: trust it only if it handles both CR and LF
			for _, g := range a.funcs {
				if strings.ToLower(g.name) == name {
					return coversCRLF(g.strs) || a.callsAny(g, "strconv.Quote", "strings.Map") || hasRuneCompare(g)
				}
			}
			return true
		}
	case *ast.Ident:
		rs := f.assigns[x.Name]
		if len(rs) == 0 {
			return false
		}
		for _, r := range rs {
			if !a.logSafeV(f, r, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func coversCRLF(strs []string) bool {
	cr, lf := false, false
	for _, s := range strs {
		cr = cr || strings.Contains(s, "\r")
		lf = lf || strings.Contains(s, "\n")
	}
	return cr && lf
}

// hasRuneCompare is true when a helper compares characters with '\r' and
// '\n' or uses unicode.IsControl/IsPrint.
func hasRuneCompare(g *fnCtx) bool {
	cr, lf, ctl := false, false, false
	ast.Inspect(g.decl.Body, func(n ast.Node) bool {
		if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.CHAR {
			if r, _, _, err := strconv.UnquoteChar(strings.Trim(b.Value, "'"), '\''); err == nil {
				cr = cr || r == '\r'
				lf = lf || r == '\n'
				ctl = ctl || r < 0x20
			}
		}
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "IsControl" || sel.Sel.Name == "IsPrint" || sel.Sel.Name == "IsGraphic") {
			ctl = true
		}
		return true
	})
	return (cr && lf) || (ctl && !(cr != lf))
}

func (a *analysis) replaceChainCovers(f *fnCtx, c *ast.CallExpr, depth int) bool {
	var olds []string
	var e ast.Expr = c
	for {
		x, ok := unparen(e).(*ast.CallExpr)
		if !ok {
			break
		}
		p, fn := a.pkgFunc(x)
		if p != "strings" || (fn != "ReplaceAll" && fn != "Replace") || len(x.Args) < 3 {
			break
		}
		if s, ok := a.constString(x.Args[1]); ok {
			olds = append(olds, s)
		}
		e = x.Args[0]
	}
	if i, ok := unparen(e).(*ast.Ident); ok {
		// replaces may be spread over assignments to the same variable
		for _, r := range f.assigns[i.Name] {
			if rc, ok := unparen(r).(*ast.CallExpr); ok {
				if p, fn := a.pkgFunc(rc); p == "strings" && (fn == "ReplaceAll" || fn == "Replace") && len(rc.Args) >= 3 {
					if s, ok := a.constString(rc.Args[1]); ok {
						olds = append(olds, s)
					}
				}
			}
		}
	}
	return coversCRLF(olds)
}

func (a *analysis) replacerCovers(f *fnCtx, recv ast.Expr) bool {
	var strs []string
	collect := func(e ast.Expr) {
		if c, ok := unparen(e).(*ast.CallExpr); ok && a.isPkgCall(c, "strings", "NewReplacer") {
			for i, arg := range c.Args {
				if i%2 == 0 {
					if s, ok := a.constString(arg); ok {
						strs = append(strs, s)
					}
				}
			}
		}
	}
	collect(recv)
	if i, ok := unparen(recv).(*ast.Ident); ok {
		for _, r := range f.assigns[i.Name] {
			collect(r)
		}
		if v, ok := a.pkgVars[i.Name]; ok {
			collect(v)
		}
	}
	return coversCRLF(strs)
}

// ---------------------------------------------------------------- CWE-362

func checkRaces(a *analysis) {
	// package-level maps and counters
	shared := map[string]bool{}
	for name, v := range a.pkgVars {
		switch x := v.(type) {
		case *ast.MapType:
			shared[name] = true
		case *ast.CompositeLit:
			if _, ok := x.Type.(*ast.MapType); ok {
				shared[name] = true
			}
		case *ast.CallExpr:
			if id(x.Fun) == "make" && len(x.Args) > 0 {
				if _, ok := x.Args[0].(*ast.MapType); ok {
					shared[name] = true
				}
			}
		case *ast.Ident:
			if isIntType(x) {
				shared[name] = true
			}
		case *ast.BasicLit:
			if x.Kind == token.INT {
				shared[name] = true
			}
		}
	}
	if a.hasImport("sync/atomic") {
		return
	}
	// walk with a stack of function bodies
	type frame struct {
		node       ast.Node
		concurrent bool
		locks      bool
	}
	locks := func(body ast.Node) bool {
		found := false
		ast.Inspect(body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if _, m := methodName(c); m == "Lock" || m == "RLock" {
					found = true
				}
			}
			return !found
		})
		return found
	}
	goLits := map[ast.Node]bool{}
	ast.Inspect(a.file, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			if fl, ok := g.Call.Fun.(*ast.FuncLit); ok {
				goLits[fl] = true
			}
		}
		return true
	})
	hasRW := func(ft *ast.FuncType) bool {
		for _, fld := range ft.Params.List {
			if a.isResponseWriterType(fld.Type) {
				return true
			}
		}
		return false
	}
	var stack []frame
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncDecl:
			if x.Body == nil {
				return false
			}
			stack = append(stack, frame{x, hasRW(x.Type) || a.handlers[x.Name.Name] || a.goFuncs[x.Name.Name], locks(x.Body)})
			ast.Inspect(x.Body, visit)
			stack = stack[:len(stack)-1]
			return false
		case *ast.FuncLit:
			outer := frame{}
			if len(stack) > 0 {
				outer = stack[len(stack)-1]
			}
			stack = append(stack, frame{x, outer.concurrent || hasRW(x.Type) || goLits[x], outer.locks || locks(x.Body)})
			ast.Inspect(x.Body, visit)
			stack = stack[:len(stack)-1]
			return false
		}
		if len(stack) == 0 {
			return true
		}
		top := stack[len(stack)-1]
		if !top.concurrent || top.locks {
			return true
		}
		var target ast.Expr
		switch s := n.(type) {
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				if ix, ok := l.(*ast.IndexExpr); ok && shared[id(ix.X)] {
					target = ix.X
				} else if shared[id(l)] && s.Tok != token.DEFINE {
					if _, isMap := a.pkgVars[id(l)].(*ast.MapType); !isMap {
						target = l
					}
				}
			}
		case *ast.IncDecStmt:
			if ix, ok := s.X.(*ast.IndexExpr); ok && shared[id(ix.X)] {
				target = ix.X
			} else if shared[id(s.X)] {
				target = s.X
			}
		case *ast.CallExpr:
			if id(s.Fun) == "delete" && len(s.Args) > 0 && shared[id(s.Args[0])] {
				target = s.Args[0]
			}
		}
		if target != nil {
			if i, ok := target.(*ast.Ident); ok && i.Obj != nil && i.Obj.Decl != nil {
				// a local variable of the same name shadows the global
				if _, isGlobal := i.Obj.Decl.(*ast.ValueSpec); !isGlobal || !a.isPkgLevel(i.Obj.Decl.(*ast.ValueSpec)) {
					return true
				}
			}
			a.report("G-RACE-GLOBAL", n, "%s is package-level and changed here in code that runs concurrently, with no mutex held", id(target))
		}
		return true
	}
	ast.Inspect(a.file, visit)
	checkFieldRaces(a)
}

func (a *analysis) isPkgLevel(vs *ast.ValueSpec) bool {
	for _, d := range a.file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok {
			for _, s := range gd.Specs {
				if s == vs {
					return true
				}
			}
		}
	}
	return false
}

func checkFieldRaces(a *analysis) {
	// struct types with map fields and no mutex
	mapFields := map[string]map[string]bool{}
	for name, t := range a.pkgTypes {
		st, ok := t.(*ast.StructType)
		if !ok {
			continue
		}
		hasMutex := false
		fields := map[string]bool{}
		for _, fld := range st.Fields.List {
			ft := fld.Type
			if s, ok := ft.(*ast.StarExpr); ok {
				ft = s.X
			}
			if p, n := a.pkgSel(ft); p == "sync" || p == "sync/atomic" || n == "Mutex" || n == "RWMutex" {
				hasMutex = true
			}
			if _, ok := ft.(*ast.MapType); ok {
				for _, n := range fld.Names {
					fields[n.Name] = true
				}
			}
		}
		if !hasMutex && len(fields) > 0 {
			mapFields[name] = fields
		}
	}
	if len(mapFields) == 0 {
		return
	}
	for _, f := range a.funcs {
		d := f.decl
		if d.Recv == nil || len(d.Recv.List) != 1 || len(d.Recv.List[0].Names) != 1 || !d.Name.IsExported() {
			continue
		}
		rt := d.Recv.List[0].Type
		if s, ok := rt.(*ast.StarExpr); ok {
			rt = s.X
		} else {
			continue // value receivers cannot be shared through the method
		}
		fields := mapFields[id(rt)]
		if fields == nil {
			continue
		}
		rname := d.Recv.List[0].Names[0].Name
		done := false
		ast.Inspect(d.Body, func(n ast.Node) bool {
			if done {
				return false
			}
			var target ast.Expr
			switch s := n.(type) {
			case *ast.AssignStmt:
				for _, l := range s.Lhs {
					if ix, ok := l.(*ast.IndexExpr); ok {
						target = ix.X
					}
				}
			case *ast.IncDecStmt:
				if ix, ok := s.X.(*ast.IndexExpr); ok {
					target = ix.X
				}
			case *ast.CallExpr:
				if id(s.Fun) == "delete" && len(s.Args) > 0 {
					target = s.Args[0]
				}
			}
			if sel, ok := target.(*ast.SelectorExpr); ok && id(sel.X) == rname && fields[sel.Sel.Name] {
				a.report("G-RACE-FIELD", n, "%s.%s changes the map %s with no lock; if %s values are shared between goroutines (HTTP handlers are), guard it with a sync.Mutex", id(rt), d.Name.Name, sel.Sel.Name, id(rt))
				done = true
			}
			return true
		})
	}
}

// ---------------------------------------------------------------- CWE-208

var secretCompareWords = set("mac", "hmac", "signature", "token", "secret", "apikey", "password", "otp", "csrf")

// words that make a name a kind, size or state rather than the secret itself
var notSecretWords = set("state", "type", "kind", "size", "sz", "len", "length", "count", "index", "idx", "pos", "name", "names", "mode", "version", "format", "alg", "algorithm", "scheme", "prefix", "expiry", "expires", "exp")

// hash-like names are secrets only in code that does cryptography; elsewhere
// they are mostly hash-table hashes.
var digestWords = set("digest", "hash", "tag", "sum")

func checkTiming(a *analysis) {
	if a.hasImport("crypto/subtle") && a.hasImport("crypto/hmac") {
		// still check: both may be imported for other reasons
	}
	cryptoFile := false
	for p := range a.byPath {
		if strings.HasPrefix(p, "crypto/") || strings.HasPrefix(p, "golang.org/x/crypto") {
			cryptoFile = true
		}
	}
	secretish := func(e ast.Expr) bool {
		if a.isConstant(e) {
			return false
		}
		if c, ok := unparen(e).(*ast.CallExpr); ok && id(c.Fun) == "len" {
			return false
		}
		if i, ok := unparen(e).(*ast.Ident); ok && (strings.HasPrefix(i.Name, "_") || strings.ToUpper(i.Name) == i.Name) {
			return false // a constant defined elsewhere
		}
		ws := exprWords(e)
		if hasWord(ws, notSecretWords) {
			return false
		}
		return hasWord(ws, secretCompareWords) || (cryptoFile && (hasWord(ws, digestWords) || hasWord(ws, set("sig", "sigs"))))
	}
	nilOrEmpty := func(e ast.Expr) bool {
		if id(e) == "nil" {
			return true
		}
		if s, ok := litString(e); ok && s == "" {
			return true
		}
		_, isLit := unparen(e).(*ast.BasicLit)
		return isLit
	}
	ast.Inspect(a.file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			if (x.Op == token.EQL || x.Op == token.NEQ) && !nilOrEmpty(x.X) && !nilOrEmpty(x.Y) && !a.isConstant(x.X) && !a.isConstant(x.Y) {
				sx, sy := secretish(x.X), secretish(x.Y)
				if sx && sy || (sx || sy) && isStringish(x) && !a.looksConstant(x.X) && !a.looksConstant(x.Y) {
					a.report("G-TIMING-COMPARE", x, "secret values compared with %s leak through timing how much matched; use hmac.Equal or subtle.ConstantTimeCompare", x.Op)
				}
			}
		case *ast.CallExpr:
			p, fn := a.pkgFunc(x)
			if (p == "bytes" && fn == "Equal" || p == "strings" && (fn == "Compare" || fn == "EqualFold") || p == "reflect" && fn == "DeepEqual") && len(x.Args) == 2 {
				if secretish(x.Args[0]) || secretish(x.Args[1]) {
					a.report("G-TIMING-COMPARE", x, "%s.%s on secret values is not constant-time; use hmac.Equal or subtle.ConstantTimeCompare", p, fn)
				}
			}
		}
		return true
	})
}

// isStringish guesses that a comparison is between strings or byte data
// rather than, say, lengths or enum values.
func isStringish(b *ast.BinaryExpr) bool {
	for _, e := range []ast.Expr{b.X, b.Y} {
		switch x := unparen(e).(type) {
		case *ast.CallExpr:
			if id(x.Fun) == "string" {
				return true
			}
			if _, m := methodName(x); m == "EncodeToString" || m == "Sum" || m == "Get" || m == "FormValue" {
				return true
			}
			if fn, ok := x.Fun.(*ast.SelectorExpr); ok && (fn.Sel.Name == "EncodeToString" || fn.Sel.Name == "Sprintf") {
				return true
			}
		}
	}
	return false
}

// looksConstant is true for identifiers that name constants: declared
// const in this file, or spelled like one (ALL_CAPS, _x).
func (a *analysis) looksConstant(e ast.Expr) bool {
	if a.isConstant(e) {
		return true
	}
	i, ok := unparen(e).(*ast.Ident)
	return ok && (strings.HasPrefix(i.Name, "_") || strings.ToUpper(i.Name) == i.Name)
}

// ---------------------------------------------------------------- CWE-295

func checkTLS(a *analysis) {
	ast.Inspect(a.file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.KeyValueExpr:
			if id(x.Key) == "InsecureSkipVerify" && id(x.Value) != "false" {
				a.report("G-TLS-SKIP", x, "InsecureSkipVerify turns off certificate checks, so anyone on the path can impersonate the server")
			}
		case *ast.AssignStmt:
			for i, l := range x.Lhs {
				if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "InsecureSkipVerify" && i < len(x.Rhs) && id(x.Rhs[i]) != "false" {
					a.report("G-TLS-SKIP", x, "InsecureSkipVerify turns off certificate checks, so anyone on the path can impersonate the server")
				}
			}
		}
		return true
	})
}

// ---------------------------------------------------------------- CWE-89

var sqlMethods = map[string]int{"Query": 0, "QueryRow": 0, "Exec": 0, "Prepare": 0,
	"QueryContext": 1, "QueryRowContext": 1, "ExecContext": 1, "PrepareContext": 1, "Select": 1, "Get": 1, "Queryx": 0, "QueryRowx": 0, "MustExec": 0}

func checkSQL(a *analysis) {
	if !a.hasImport("database/sql", "github.com/jmoiron/sqlx", "github.com/jackc/pgx/v5", "github.com/jackc/pgx/v4", "github.com/mattn/go-sqlite3", "github.com/lib/pq") {
		return
	}
	a.eachCall(func(f *fnCtx, c *ast.CallExpr) {
		_, m := methodName(c)
		idx, ok := sqlMethods[m]
		if !ok || len(c.Args) <= idx || f == nil {
			return
		}
		if (m == "Select" || m == "Get") && len(c.Args) < 3 {
			return
		}
		q := c.Args[idx]
		if a.isConstant(q) {
			return
		}
		built := a.derives(f, q, func(x ast.Expr) bool {
			if a.isPkgCall(x, "fmt", "Sprintf") {
				cc := x.(*ast.CallExpr)
				for _, arg := range cc.Args[1:] {
					if !a.isConstant(arg) {
						return true
					}
				}
			}
			if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.ADD && !a.isConstant(b) {
				return true
			}
			if a.isPkgCall(x, "strings", "Join") {
				return false
			}
			return false
		})
		if built {
			a.report("G-SQL-CONCAT", c, "the SQL text given to %s is built from values at run time; pass them as ? / $n parameters", m)
		}
	})
}

// ---------------------------------------------------------------- CWE-400 (math/big)

var boundMethods = set("Cmp", "CmpAbs", "BitLen", "IsInt64", "IsUint64", "Int64", "Uint64", "TrailingZeroBits")

// checkBigExp flags x.Exp(base, e, nil) where the exponent e is neither a
// constant nor compared or measured earlier in the same function: a huge
// exponent makes the result, and the time to compute it, unbounded.
func checkBigExp(a *analysis) {
	if !a.hasImport("math/big") {
		return
	}
	for _, f := range a.funcs {
		for _, c := range f.calls {
			_, m := methodName(c)
			if m != "Exp" || len(c.Args) != 3 || id(c.Args[2]) != "nil" {
				continue
			}
			e := c.Args[1]
			if ec, ok := unparen(e).(*ast.CallExpr); ok && a.isPkgCall(ec, "math/big", "NewInt") && len(ec.Args) == 1 && a.isConstant(ec.Args[0]) {
				continue
			}
			name := root(e)
			if name == "" {
				continue
			}
			bounded := false
			for _, other := range f.calls {
				if other.Pos() >= c.Pos() {
					continue
				}
				recv, om := methodName(other)
				if !boundMethods[om] {
					continue
				}
				if root(recv) == name {
					bounded = true
				}
				for _, arg := range other.Args {
					if root(arg) == name {
						bounded = true
					}
				}
			}
			if !bounded {
				a.report("G-BIG-EXP", c, "the exponent %s is not bounded before Exp; a large one takes unbounded time and memory", name)
			}
		}
	}
}
