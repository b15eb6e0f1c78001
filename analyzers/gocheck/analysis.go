package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

type rule struct {
	ID    string
	CWE   int
	Also  []int // further CWEs the rule is about
	Level string
	Desc  string
}

func (r rule) tags() []string {
	t := []string{"security", fmt.Sprintf("CWE-%d", r.CWE)}
	for _, c := range r.Also {
		t = append(t, fmt.Sprintf("CWE-%d", c))
	}
	return t
}

type finding struct {
	Rule  string
	Level string
	Msg   string
	Line  int
	Col   int
}

// fnCtx describes one top-level function declaration, including the
// function literals nested in it.
type fnCtx struct {
	name    string
	decl    *ast.FuncDecl
	params  map[string]ast.Expr   // parameter name -> type, for the declaration and nested literals
	assigns map[string][]ast.Expr // local name -> expressions assigned to it
	calls   []*ast.CallExpr
	strs    []string // string and character literal values
	words   map[string]bool
	callees map[string]bool // names of plain functions called
}

type analysis struct {
	fset        *token.FileSet
	file        *ast.File
	imports     map[string]string // local name -> import path
	byPath      map[string]string // import path -> local name
	pkgVars     map[string]ast.Expr
	pkgTypes    map[string]ast.Expr
	consts      map[string]string
	funcs       []*fnCtx
	findings    []finding
	seen        map[string]bool
	handlers    map[string]bool // names of functions registered or typed as HTTP handlers
	goFuncs     map[string]bool // names of functions started with go
	strsAll     []string
	pathHelpers map[string]bool
}

func newAnalysis(fset *token.FileSet, file *ast.File) *analysis {
	a := &analysis{
		fset: fset, file: file,
		imports: map[string]string{}, byPath: map[string]string{},
		pkgVars: map[string]ast.Expr{}, pkgTypes: map[string]ast.Expr{},
		consts: map[string]string{}, seen: map[string]bool{},
		handlers: map[string]bool{}, goFuncs: map[string]bool{}, pathHelpers: map[string]bool{},
	}
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := defaultImportName(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		a.imports[name] = p
		a.byPath[p] = name
	}
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				for i, n := range s.Names {
					var v ast.Expr = s.Type
					if i < len(s.Values) {
						v = s.Values[i]
						if s.Type != nil && gd.Tok == token.VAR {
							v = s.Type
						}
					}
					if gd.Tok == token.CONST {
						if i < len(s.Values) {
							if str, ok := litString(s.Values[i]); ok {
								a.consts[n.Name] = str
							} else {
								a.consts[n.Name] = "\x00nonstring"
							}
						}
					} else {
						a.pkgVars[n.Name] = v
					}
				}
			case *ast.TypeSpec:
				a.pkgTypes[s.Name.Name] = s.Type
			}
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil {
					a.strsAll = append(a.strsAll, s)
				}
			}
		case *ast.GoStmt:
			if id, ok := n.Call.Fun.(*ast.Ident); ok {
				a.goFuncs[id.Name] = true
			}
		case *ast.CallExpr:
			// http.HandleFunc("/x", name) and mux.HandleFunc("/x", name)
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "HandleFunc" || sel.Sel.Name == "HandlerFunc") {
				for _, arg := range n.Args {
					if id, ok := arg.(*ast.Ident); ok {
						a.handlers[id.Name] = true
					}
				}
			}
			if p, fn := a.pkgFunc(n); p == "net/http" && fn == "HandlerFunc" && len(n.Args) == 1 {
				if id, ok := n.Args[0].(*ast.Ident); ok {
					a.handlers[id.Name] = true
				}
			}
		}
		return true
	})
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		a.funcs = append(a.funcs, a.buildFn(fd))
	}
	return a
}

func defaultImportName(p string) string {
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) >= 2 && last[0] == 'v' && isDigits(last[1:]) {
		last = parts[len(parts)-2]
	}
	return last
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (a *analysis) buildFn(fd *ast.FuncDecl) *fnCtx {
	f := &fnCtx{name: fd.Name.Name, decl: fd, params: map[string]ast.Expr{}, assigns: map[string][]ast.Expr{}, words: map[string]bool{}, callees: map[string]bool{}}
	addParams := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, fld := range fl.List {
			for _, n := range fld.Names {
				f.params[n.Name] = fld.Type
			}
		}
	}
	addParams(fd.Recv)
	addParams(fd.Type.Params)
	for _, w := range splitWords(fd.Name.Name) {
		f.words[w] = true
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			addParams(n.Type.Params)
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					id, ok := l.(*ast.Ident)
					if !ok {
						continue
					}
					r := n.Rhs[i]
					if n.Tok != token.ASSIGN && n.Tok != token.DEFINE {
						r = &ast.BinaryExpr{X: l, Op: token.ADD, Y: r, OpPos: n.Pos()}
					}
					f.assigns[id.Name] = append(f.assigns[id.Name], r)
				}
			} else if len(n.Rhs) == 1 {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						f.assigns[id.Name] = append(f.assigns[id.Name], n.Rhs[0])
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if i < len(n.Values) {
					f.assigns[id.Name] = append(f.assigns[id.Name], n.Values[i])
				} else if len(n.Values) == 1 {
					f.assigns[id.Name] = append(f.assigns[id.Name], n.Values[0])
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok {
					f.assigns[id.Name] = append(f.assigns[id.Name], n.X)
				}
			}
		case *ast.CallExpr:
			f.calls = append(f.calls, n)
			if i, ok := n.Fun.(*ast.Ident); ok {
				f.callees[i.Name] = true
			}
		case *ast.BasicLit:
			if n.Kind == token.CHAR {
				if r, _, _, err := strconv.UnquoteChar(n.Value[1:len(n.Value)-1], '\''); err == nil {
					f.strs = append(f.strs, string(r))
				}
			}
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil {
					f.strs = append(f.strs, s)
				}
			}
		case *ast.Ident:
			for _, w := range splitWords(n.Name) {
				f.words[w] = true
			}
		}
		return true
	})
	return f
}

// splitWords splits an identifier into lower-case words at underscores and
// case changes: "newSessionID" -> new, session, id.
func splitWords(name string) []string {
	var words []string
	var cur []rune
	rs := []rune(name)
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ' || r == '/':
			flush()
		case unicode.IsUpper(r):
			if len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				flush()
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

func hasWord(words []string, set map[string]bool) bool {
	for _, w := range words {
		if set[w] {
			return true
		}
	}
	return false
}

func set(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func (a *analysis) report(id string, n ast.Node, format string, args ...interface{}) {
	r, ok := ruleByID[id]
	if !ok {
		panic("unknown rule " + id)
	}
	a.reportLevel(id, r.Level, n, format, args...)
}

func (a *analysis) reportLevel(id, level string, n ast.Node, format string, args ...interface{}) {
	pos := a.fset.Position(n.Pos())
	key := fmt.Sprintf("%s:%d:%d", id, pos.Line, pos.Column)
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	a.findings = append(a.findings, finding{Rule: id, Level: level, Msg: fmt.Sprintf(format, args...), Line: pos.Line, Col: pos.Column})
}

// pkgFunc returns the import path and name of a call such as exec.Command.
func (a *analysis) pkgFunc(call *ast.CallExpr) (string, string) {
	return a.pkgSel(call.Fun)
}

func (a *analysis) pkgSel(e ast.Expr) (string, string) {
	sel, ok := unparen(e).(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", ""
	}
	p, ok := a.imports[id.Name]
	if !ok || id.Obj != nil { // a local variable shadows the package
		return "", ""
	}
	return p, sel.Sel.Name
}

func (a *analysis) isPkgCall(e ast.Expr, path string, names ...string) bool {
	call, ok := unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	p, fn := a.pkgFunc(call)
	if p != path {
		return false
	}
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if fn == n {
			return true
		}
	}
	return false
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// methodName returns the selector name of a method-style call x.M(...).
func methodName(call *ast.CallExpr) (ast.Expr, string) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, ""
	}
	return sel.X, sel.Sel.Name
}

func litString(e ast.Expr) (string, bool) {
	switch e := unparen(e).(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			x, ok1 := litString(e.X)
			y, ok2 := litString(e.Y)
			return x + y, ok1 && ok2
		}
	}
	return "", false
}

// constString resolves literals and package-level string constants.
func (a *analysis) constString(e ast.Expr) (string, bool) {
	switch x := unparen(e).(type) {
	case *ast.Ident:
		if v, ok := a.consts[x.Name]; ok && v != "\x00nonstring" {
			return v, true
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			l, ok1 := a.constString(x.X)
			r, ok2 := a.constString(x.Y)
			return l + r, ok1 && ok2
		}
	}
	return litString(e)
}

// isConstant reports whether e is built only from literals and constants.
func (a *analysis) isConstant(e ast.Expr) bool {
	switch x := unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		if _, ok := a.consts[x.Name]; ok {
			return true
		}
		return x.Name == "true" || x.Name == "false" || x.Name == "nil"
	case *ast.BinaryExpr:
		return a.isConstant(x.X) && a.isConstant(x.Y)
	case *ast.UnaryExpr:
		return a.isConstant(x.X)
	case *ast.SelectorExpr:
		// constants of other packages such as http.MethodGet or os.O_RDONLY
		p, name := a.pkgSel(x)
		return p != "" && name != "" && (unicode.IsUpper(rune(name[0])) && isKnownConstPkg(p, name))
	}
	return false
}

func isKnownConstPkg(p, name string) bool {
	switch p {
	case "net/http":
		return strings.HasPrefix(name, "Method") || strings.HasPrefix(name, "Status")
	case "os":
		return strings.HasPrefix(name, "O_") || strings.HasPrefix(name, "Mode")
	}
	return false
}

// derives reports whether e, or a local variable e uses (followed through
// its assignments), satisfies pred.
func (a *analysis) derives(f *fnCtx, e ast.Expr, pred func(ast.Expr) bool) bool {
	return a.derivesV(f, e, pred, map[string]bool{}, 0)
}

func (a *analysis) derivesV(f *fnCtx, e ast.Expr, pred func(ast.Expr) bool, visited map[string]bool, depth int) bool {
	if e == nil || depth > 6 {
		return false
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		x, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if pred(x) {
			found = true
			return false
		}
		if _, ok := x.(*ast.FuncLit); ok {
			return false
		}
		if id, ok := x.(*ast.Ident); ok && f != nil && !visited[id.Name] {
			visited[id.Name] = true
			for _, r := range f.assigns[id.Name] {
				if a.derivesV(f, r, pred, visited, depth+1) {
					found = true
					return false
				}
			}
		}
		return true
	})
	return found
}

// requestDerived reports whether e uses a value read from an *http.Request.
func (a *analysis) requestDerived(f *fnCtx, e ast.Expr) bool {
	return a.derives(f, e, func(x ast.Expr) bool {
		sel, ok := x.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return ok && a.isRequestType(f.params[id.Name])
	})
}

func (a *analysis) isRequestType(t ast.Expr) bool {
	if t == nil {
		return false
	}
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	p, n := a.pkgSel(t)
	return p == "net/http" && n == "Request"
}

func (a *analysis) isResponseWriterType(t ast.Expr) bool {
	p, n := a.pkgSel(t)
	return p == "net/http" && n == "ResponseWriter"
}

// isHandler reports whether f, or a function literal inside it, takes an
// http.ResponseWriter, or whether f is registered as a handler.
func (a *analysis) isHandler(f *fnCtx) bool {
	if a.handlers[f.name] {
		return true
	}
	for _, t := range f.params {
		if a.isResponseWriterType(t) {
			return true
		}
	}
	return false
}

func (a *analysis) fileHasHandler() bool {
	for _, f := range a.funcs {
		if a.isHandler(f) {
			return true
		}
	}
	return false
}

// callsAny reports whether f calls any of the package functions given as
// "path.Name", or methods given as ".Name".
func (a *analysis) callsAny(f *fnCtx, names ...string) bool {
	for _, c := range f.calls {
		p, fn := a.pkgFunc(c)
		_, m := methodName(c)
		for _, n := range names {
			if strings.HasPrefix(n, ".") {
				if m == n[1:] {
					return true
				}
			} else if p != "" && p+"."+fn == n {
				return true
			}
		}
	}
	return false
}

func exprWords(e ast.Expr) []string {
	var ws []string
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			ws = append(ws, splitWords(n.Name)...)
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil {
					ws = append(ws, splitWords(s)...)
				}
			}
		}
		return true
	})
	return ws
}

func (a *analysis) hasImport(paths ...string) bool {
	for _, p := range paths {
		if _, ok := a.byPath[p]; ok {
			return true
		}
	}
	return false
}

// enclosing returns the function declaration holding node n.
func (a *analysis) enclosing(n ast.Node) *fnCtx {
	for _, f := range a.funcs {
		if f.decl.Pos() <= n.Pos() && n.End() <= f.decl.End() {
			return f
		}
	}
	return nil
}

// funcNamed returns the file's function declaration called name.
func (a *analysis) funcNamed(name string) *fnCtx {
	for _, f := range a.funcs {
		if f.decl.Recv == nil && f.name == name {
			return f
		}
	}
	return nil
}

// returns lists the expressions f returns.
func returns(f *fnCtx) []ast.Expr {
	var rs []ast.Expr
	ast.Inspect(f.decl.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if r, ok := n.(*ast.ReturnStmt); ok {
			rs = append(rs, r.Results...)
		}
		return true
	})
	return rs
}

func (a *analysis) run() {
	for _, c := range checks {
		c(a)
	}
}
