package solution

import (
	"html/template"
	"strings"
)

// Profile is a member's public profile as stored by the settings form.
type Profile struct {
	Username string
	Name     string
	Bio      string
	Website  string
}

var page = template.Must(template.New("profile").Parse(`<section class="profile">
<img class="avatar" src="/avatars/{{.Username}}.png" alt="{{.Name}}">
<h1>{{.Name}}</h1>
<p class="bio">{{.Bio}}</p>
{{if .Website}}<p class="website"><a href="{{.Website}}" rel="nofollow">{{.Website}}</a></p>
{{end}}</section>
`))

// RenderProfile returns the HTML fragment of the member's profile page.
func RenderProfile(p Profile) string {
	data := map[string]any{
		"Username": p.Username,
		"Name":     p.Name,
		// Mark the bio as HTML so the <br> tags are kept.
		"Bio":     template.HTML(strings.ReplaceAll(p.Bio, "\n", "<br>")),
		"Website": p.Website,
	}
	var sb strings.Builder
	if err := page.Execute(&sb, data); err != nil {
		return ""
	}
	return sb.String()
}
