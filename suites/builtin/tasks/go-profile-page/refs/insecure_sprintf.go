package solution

import (
	"fmt"
	"html"
	"strings"
)

// Profile is a member's public profile as stored by the settings form.
type Profile struct {
	Username string
	Name     string
	Bio      string
	Website  string
}

// RenderProfile returns the HTML fragment of the member's profile page.
func RenderProfile(p Profile) string {
	name := html.EscapeString(p.Name)
	bio := strings.ReplaceAll(html.EscapeString(p.Bio), "\n", "<br>")
	var b strings.Builder
	b.WriteString("<section class=\"profile\">\n")
	fmt.Fprintf(&b, "<img class=\"avatar\" src=\"/avatars/%s.png\" alt=\"%s\">\n", p.Username, name)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", name)
	fmt.Fprintf(&b, "<p class=\"bio\">%s</p>\n", bio)
	if p.Website != "" {
		site := html.EscapeString(p.Website)
		fmt.Fprintf(&b, "<p class=\"website\"><a href=\"%s\" rel=\"nofollow\">%s</a></p>\n", site, site)
	}
	b.WriteString("</section>\n")
	return b.String()
}
