package solution

import (
	"net/url"
	"strings"
)

const home = "/"

// LoginRedirect returns the Location to send a user to after login, given
// the decoded `next` query parameter.
func LoginRedirect(next string) string {
	if next == "" || strings.TrimSpace(next) != next {
		return home
	}
	// Browsers drop tabs and line breaks inside a URL and treat '\' like
	// '/', so a value holding any of them can mean a different address than
	// the one we would check.
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return home
		}
	}
	if strings.HasPrefix(next, "/") {
		// "/x" is a path on the portal; "//host" names another host.
		if strings.HasPrefix(next, "//") {
			return home
		}
		return next
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "https" || u.Opaque != "" || u.User != nil || !strings.HasPrefix(strings.ToLower(next), "https://") {
		return home
	}
	host := strings.ToLower(u.Hostname())
	if host == "example.com" || strings.HasSuffix(host, ".example.com") {
		return next
	}
	return home
}
