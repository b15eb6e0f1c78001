package solution

import (
	"io"
	"strings"
	"time"
)

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// WriteAuditEvent writes one audit event line to w.
func WriteAuditEvent(w io.Writer, at time.Time, user, action, detail string) error {
	// detail is free text from the request and may span several lines.
	detail = lineBreaks.Replace(detail)
	line := at.UTC().Format(time.RFC3339) + " user=" + user + " action=" + action + " detail=" + detail + "\n"
	_, err := io.WriteString(w, line)
	return err
}
