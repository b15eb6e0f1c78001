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

// html/template encodes every value for the context it lands in: text,
// attribute value or URL attribute (where it also neutralises script URLs).
var page = template.Must(template.New("profile").Parse(`<section class="profile">
<img class="avatar" src="/avatars/{{.Username}}.png" alt="{{.Name}}">
<h1>{{.Name}}</h1>
<p class="bio">{{range $i, $line := .BioLines}}{{if $i}}<br>{{end}}{{$line}}{{end}}</p>
{{if .Website}}<p class="website"><a href="{{.Website}}" rel="nofollow">{{.Website}}</a></p>
{{end}}</section>
`))

type view struct {
	Profile
	BioLines []string
}

// RenderProfile returns the HTML fragment of the member's profile page.
func RenderProfile(p Profile) string {
	var sb strings.Builder
	if err := page.Execute(&sb, view{Profile: p, BioLines: strings.Split(p.Bio, "\n")}); err != nil {
		return ""
	}
	return sb.String()
}
