package solution

import (
	"net/url"
	"strings"
)

// LoginRedirect returns the Location to send a user to after login, given
// the decoded `next` query parameter.
func LoginRedirect(next string) string {
	if next == "" {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil {
		return "/"
	}
	if u.Host == "" {
		// No host: a relative path on the portal.
		return next
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" && (host == "example.com" || strings.HasSuffix(host, ".example.com")) {
		return next
	}
	return "/"
}
