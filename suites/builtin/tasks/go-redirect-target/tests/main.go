package main

import (
	"fmt"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

func keeps(next string) {
	c.Eq(solution.LoginRedirect(next), next, fmt.Sprintf("LoginRedirect(%q)", next))
}

func home(next string) {
	c.Eq(solution.LoginRedirect(next), "/", fmt.Sprintf("LoginRedirect(%q)", next))
}

func keeps_portal_paths() {
	keeps("/invoices/2024-17?tab=pdf")
	keeps("/")
	keeps("/settings#security")
	keeps("/search?q=a%2Fb&page=2")
	keeps("/files/report 2024.pdf")
	keeps("/profile/anna@example.org")
}

func keeps_our_https_sites() {
	keeps("https://help.example.com/articles/12")
	keeps("https://example.com/pricing?plan=team")
	keeps("https://portal.example.com/invoices")
	keeps("https://status.eu.example.com/")
}

func home_for_missing_or_foreign() {
	home("")
	home("https://evil.example/")
	home("https://example.org/login")
	home("http://help.example.com/articles/12")
	home("ftp://example.com/pub/")
	home("https://notexample.org/")
}

// ---- where a browser on https://portal.example.com/login goes ----

// landsOn returns the host a browser navigates to for the Location loc,
// following the WHATWG URL parser's treatment of whitespace, backslashes,
// missing slashes and "//" for the portal's https base.
func landsOn(loc string) string {
	const base = "portal.example.com"
	s := strings.TrimFunc(loc, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	s = strings.ReplaceAll(s, `\`, "/")
	authority := func(rest string) string {
		a := strings.TrimLeft(rest, "/")
		if i := strings.IndexAny(a, "/?#"); i >= 0 {
			a = a[:i]
		}
		if i := strings.LastIndexByte(a, '@'); i >= 0 {
			a = a[i+1:]
		}
		if strings.HasPrefix(a, "[") {
			if i := strings.IndexByte(a, ']'); i >= 0 {
				a = a[:i+1]
			}
		} else if i := strings.IndexByte(a, ':'); i >= 0 {
			a = a[:i]
		}
		return strings.TrimSuffix(strings.ToLower(a), ".")
	}
	if i := strings.IndexByte(s, ':'); i > 0 && !strings.ContainsAny(s[:i], "/?#") {
		scheme := strings.ToLower(s[:i])
		rest := s[i+1:]
		switch scheme {
		case "https":
			if strings.HasPrefix(rest, "//") {
				return authority(rest)
			}
			return base // same scheme without "//": relative to the portal
		case "http", "ws", "wss", "ftp":
			return authority(rest) // another special scheme: slashes optional
		default:
			return "(" + scheme + ": URL)"
		}
	}
	if strings.HasPrefix(s, "//") {
		return authority(s)
	}
	return base
}

func stays(next string) {
	loc := solution.LoginRedirect(next)
	host := landsOn(loc)
	c.Check(host == "example.com" || strings.HasSuffix(host, ".example.com"),
		"next=%q gave Location %q, which sends the browser to %s", next, loc, host)
}

func protocol_relative_url() {
	stays("//evil.example/login")
	stays("///evil.example/")
}

func backslash_as_slash() {
	stays(`/\evil.example`)
	stays(`/\/evil.example/`)
	stays(`\\evil.example`)
}

func tab_between_slashes() {
	stays("/\t/evil.example")
	stays("/\t\t/evil.example/login")
}

func scheme_without_slashes() {
	stays("http:evil.example")
	stays("http:/evil.example/")
	stays(`http:\\evil.example`)
}

func lookalike_host() {
	stays("https://evilexample.com/")
	stays("https://example.com.evil.example/")
	stays("https://portal.example.com@evil.example/")
}

func main() {
	c.Main(map[string]func(){
		"keeps_portal_paths":          keeps_portal_paths,
		"keeps_our_https_sites":       keeps_our_https_sites,
		"home_for_missing_or_foreign": home_for_missing_or_foreign,
		"protocol_relative_url":       protocol_relative_url,
		"backslash_as_slash":          backslash_as_slash,
		"tab_between_slashes":         tab_between_slashes,
		"scheme_without_slashes":      scheme_without_slashes,
		"lookalike_host":              lookalike_host,
	})
}
