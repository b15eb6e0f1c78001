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
	// Must be a local path; "//host" would be protocol-relative.
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}
