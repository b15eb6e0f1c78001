package main

import (
	"os"
	"path/filepath"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

// layout makes root/ticket-812 (the ticket folder) and root/other-ticket
// holding a file the ticket must never reach.
func layout() (root, ticket string) {
	root = c.ScratchDir("attach")
	ticket = filepath.Join(root, "ticket-812")
	for _, d := range []string{"logs", "screenshots"} {
		c.NoError(os.MkdirAll(filepath.Join(ticket, d), 0o755), "mkdir")
	}
	c.NoError(os.MkdirAll(filepath.Join(root, "other-ticket"), 0o755), "mkdir")
	write := func(p, s string) { c.NoError(os.WriteFile(p, []byte(s), 0o644), "write "+p) }
	write(filepath.Join(ticket, "readme.txt"), "read me first")
	write(filepath.Join(ticket, "logs", "app.log"), "app started")
	write(filepath.Join(ticket, "screenshots", "err.png"), "PNG bytes")
	write(filepath.Join(root, "other-ticket", "secret.txt"), "OTHER CUSTOMER SECRET")
	return root, ticket
}

func expect(ticket, name, want string) {
	got, err := solution.ReadAttachment(ticket, name)
	c.NoError(err, "ReadAttachment(ticket, "+name+")")
	c.Eq(string(got), want, "contents of "+name)
}

func refused(ticket, name string) {
	got, err := solution.ReadAttachment(ticket, name)
	if err != nil {
		return
	}
	c.Check(string(got) != "OTHER CUSTOMER SECRET", "served %q from outside the ticket folder", name)
}

func readsTopLevelFile() {
	_, ticket := layout()
	expect(ticket, "readme.txt", "read me first")
}

func readsNestedAndRelativeNames() {
	_, ticket := layout()
	expect(ticket, "logs/app.log", "app started")
	expect(ticket, "logs/../screenshots/err.png", "PNG bytes")
	expect(ticket, "./screenshots/./err.png", "PNG bytes")
}

func missingFileIsAnError() {
	_, ticket := layout()
	_, err := solution.ReadAttachment(ticket, "logs/nope.log")
	c.IsError(err, "ReadAttachment of a missing file")
}

func dotdotEscape() {
	_, ticket := layout()
	refused(ticket, "../other-ticket/secret.txt")
	refused(ticket, "logs/../../other-ticket/secret.txt")
}

func symlinkEscape() {
	root, ticket := layout()
	c.NoError(os.Symlink(filepath.Join(root, "other-ticket", "secret.txt"), filepath.Join(ticket, "logs", "latest.log")), "symlink")
	c.NoError(os.Symlink(filepath.Join(root, "other-ticket"), filepath.Join(ticket, "shared")), "symlink")
	refused(ticket, "logs/latest.log")
	refused(ticket, "shared/secret.txt")
}

func main() {
	c.Main(map[string]func(){
		"reads_top_level_file":            readsTopLevelFile,
		"reads_nested_and_relative_names": readsNestedAndRelativeNames,
		"missing_file_is_an_error":        missingFileIsAnError,
		"dotdot_escape":                   dotdotEscape,
		"symlink_escape":                  symlinkEscape,
	})
}
