package solution

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteAuditEvent writes one audit event line to w.
func WriteAuditEvent(w io.Writer, at time.Time, user, action, detail string) error {
	// Keep each event on a single line.
	user = strings.ReplaceAll(user, "\n", "\\n")
	detail = strings.ReplaceAll(detail, "\n", "\\n")
	_, err := fmt.Fprintf(w, "%s user=%s action=%s detail=%s\n",
		at.UTC().Format(time.RFC3339), user, action, detail)
	return err
}
