package solution

import (
	"fmt"
	"io"
	"time"
)

// WriteAuditEvent writes one audit event line to w.
func WriteAuditEvent(w io.Writer, at time.Time, user, action, detail string) error {
	_, err := fmt.Fprintf(w, "%s user=%s action=%s detail=%s\n",
		at.UTC().Format(time.RFC3339), user, action, detail)
	return err
}
