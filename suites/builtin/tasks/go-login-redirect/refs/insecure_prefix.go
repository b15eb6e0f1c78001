package solution

import (
	"net/url"
	"strings"
)

// RedirectAfterLogin returns the Location to redirect to after a successful login.
func RedirectAfterLogin(rawQuery string) string {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "/"
	}
	next := q.Get("next")
	// Only relative paths on our own site.
	if strings.HasPrefix(next, "/") {
		return next
	}
	return "/"
}
