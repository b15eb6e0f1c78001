package solution

import (
	"net/url"
	"strings"
)

// LoginRedirect returns the Location to send a user to after login, given
// the decoded `next` query parameter.
func LoginRedirect(next string) string {
	if strings.HasPrefix(next, "/") {
		return next
	}
	u, err := url.Parse(next)
	if err == nil && u.Scheme == "https" && strings.HasSuffix(u.Hostname(), "example.com") {
		return next
	}
	return "/"
}
