package solution

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// clean keeps printable text as it is and writes every control
// character (CR, LF, tab, escape, ...) and invalid byte as a visible
// escape, so one event always stays one line on screen and on disk.
func clean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// WriteAuditEvent writes one audit event line to w.
func WriteAuditEvent(w io.Writer, at time.Time, user, action, detail string) error {
	line := at.UTC().Format(time.RFC3339) +
		" user=" + clean(user) +
		" action=" + clean(action) +
		" detail=" + clean(detail) + "\n"
	_, err := io.WriteString(w, line)
	return err
}
