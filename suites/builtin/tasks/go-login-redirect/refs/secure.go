package solution

import (
	"net/url"
	"strings"
)

// RedirectAfterLogin returns the Location to redirect to after a successful login.
func RedirectAfterLogin(rawQuery string) string {
	values, _ := url.ParseQuery(rawQuery)
	next := values.Get("next")
	if isLocalPath(next) {
		return next
	}
	return "/"
}

// isLocalPath accepts only a path on this site: one leading slash, no
// second slash or backslash that a browser could read as the start of
// a host, and no control characters that browsers drop or that could
// split the header.
func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return false
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return true
}
