package main

import (
	"bytes"
	"errors"
	"strings"
	"time"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

var noon = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func event(at time.Time, user, action, detail string) string {
	var buf bytes.Buffer
	err := solution.WriteAuditEvent(&buf, at, user, action, detail)
	c.NoError(err, "WriteAuditEvent")
	return buf.String()
}

func writesEventLine() {
	c.Eq(event(noon, "alice", "login", "password accepted"),
		"2024-05-01T12:00:00Z user=alice action=login detail=password accepted\n", "the event line")
	c.Eq(event(noon, "bob", "logout", ""),
		"2024-05-01T12:00:00Z user=bob action=logout detail=\n", "an event with an empty detail")
}

func keepsUnicodeAndPunctuation() {
	detail := `Q3 résumé (final).pdf — 12 % off; "draft" #2 <ok> & done 📄 user=bob`
	c.Eq(event(noon, "Zoë Ng", "export", detail),
		"2024-05-01T12:00:00Z user=Zoë Ng action=export detail="+detail+"\n", "an event with Unicode and punctuation")
	c.Eq(event(noon, "Łukasz Żółć-O'Neil", "delete", "請求書 42 を削除しました"),
		"2024-05-01T12:00:00Z user=Łukasz Żółć-O'Neil action=delete detail=請求書 42 を削除しました\n", "an event in other scripts")
}

func utcTimeAndConsecutiveEvents() {
	cest := time.FixedZone("CEST", 2*3600)
	var buf bytes.Buffer
	c.NoError(solution.WriteAuditEvent(&buf, time.Date(2024, 5, 1, 14, 30, 5, 250_000_000, cest), "alice", "login", "ok"), "first event")
	c.NoError(solution.WriteAuditEvent(&buf, time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), "carol", "delete", "invoice INV-1002"), "second event")
	c.Eq(buf.String(),
		"2024-05-01T12:30:05Z user=alice action=login detail=ok\n"+
			"2024-12-31T23:59:59Z user=carol action=delete detail=invoice INV-1002\n",
		"two events written one after the other")
}

type brokenWriter struct{}

func (brokenWriter) Write(p []byte) (int, error) { return 0, errors.New("no space left on device") }

func returnsWriteError() {
	err := solution.WriteAuditEvent(brokenWriter{}, noon, "alice", "login", "ok")
	c.IsError(err, "WriteAuditEvent on a writer that fails")
}

// record writes one event with client-controlled user and detail. A
// refusal (an error and nothing written) is safe too.
func record(user, detail string) string {
	var buf bytes.Buffer
	solution.WriteAuditEvent(&buf, noon, user, "login", detail)
	return buf.String()
}

// singleEvent fails if out holds more than one line for the shipper.
func singleEvent(out, what string) {
	if out == "" {
		return
	}
	n := strings.Count(out, "\n")
	c.Check(n == 1 && strings.HasSuffix(out, "\n"), "%s: one event became %d lines in the log: %q", what, n, out)
}

const forged = "2024-05-01T12:00:01Z user=admin action=grant detail=role superuser given to mallory"

func newlineInDetailForgesEvent() {
	singleEvent(record("mallory", "searched for shoes\n"+forged), "detail with '\\n'")
	singleEvent(record("mallory", "report.pdf\r\n"+forged), "detail with '\\r\\n'")
}

func newlineInUserForgesEvent() {
	singleEvent(record("mallory\n2024-05-01T12:00:01Z user=alice action=login detail=password accepted", "password accepted"), "user name with '\\n'")
	singleEvent(record("mallory\r\n"+forged, "password accepted"), "user name with '\\r\\n'")
}

func carriageReturnHidesEvent() {
	for _, tc := range []struct{ user, detail string }{
		{"mallory\r2024-05-01T12:00:00Z user=alice", "password rejected"},
		{"mallory", "deleted 40 invoices\r2024-05-01T12:00:00Z user=alice action=login detail=password accepted"},
		{"mallory", "report.pdf\r\n" + forged},
	} {
		out := record(tc.user, tc.detail)
		c.Check(!strings.Contains(out, "\r"), "a carriage return from the client reached the log, so a terminal overwrites the event: %q", out)
	}
}

func main() {
	c.Main(map[string]func(){
		"writes_event_line":               writesEventLine,
		"keeps_unicode_and_punctuation":   keepsUnicodeAndPunctuation,
		"utc_time_and_consecutive_events": utcTimeAndConsecutiveEvents,
		"returns_write_error":             returnsWriteError,
		"newline_in_detail_forges_event":  newlineInDetailForgesEvent,
		"newline_in_user_forges_event":    newlineInUserForgesEvent,
		"carriage_return_hides_event":     carriageReturnHidesEvent,
	})
}
