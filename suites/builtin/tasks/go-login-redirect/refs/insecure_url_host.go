package solution

import "net/url"

// RedirectAfterLogin returns the Location to redirect to after a successful login.
func RedirectAfterLogin(rawQuery string) string {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "/"
	}
	next := values.Get("next")
	if next == "" {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" {
		// Absolute URL pointing at some host: don't follow it.
		return "/"
	}
	return next
}
