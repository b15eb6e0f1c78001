package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"testing/iotest"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

func body(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func reads(r io.Reader, limit int64, want []byte, what string) {
	got, err := solution.ReadUpload(r, limit)
	c.NoError(err, what)
	c.Check(bytes.Equal(got, want), "%s: returned %d bytes that differ from the %d sent", what, len(got), len(want))
}

func tooLarge(r io.Reader, limit int64, what string) {
	_, err := solution.ReadUpload(r, limit)
	c.Check(errors.Is(err, solution.ErrTooLarge), "%s: expected ErrTooLarge, got %v", what, err)
}

func returns_small_body() {
	reads(bytes.NewReader([]byte("hello, world\n")), 1024, []byte("hello, world\n"), "a 13-byte text body")
	bin := []byte{0, 1, 2, 0, 255, 0}
	reads(bytes.NewReader(bin), 1<<20, bin, "a binary body with zero bytes")
	got, err := solution.ReadUpload(bytes.NewReader(nil), 1024)
	c.NoError(err, "an empty body")
	c.Eq(len(got), 0, "length of an empty body")
}

func body_at_limit_is_accepted() {
	b := body(4096)
	reads(bytes.NewReader(b), 4096, b, "a body of exactly the limit")
	big := body(3<<20 + 17)
	reads(bytes.NewReader(big), 3<<20+17, big, "a 3 MiB body of exactly the limit")
	got, err := solution.ReadUpload(bytes.NewReader(nil), 0)
	c.NoError(err, "an empty body with limit 0")
	c.Eq(len(got), 0, "length of an empty body with limit 0")
}

func body_over_limit_is_refused() {
	tooLarge(bytes.NewReader(body(4097)), 4096, "a body one byte over the limit")
	tooLarge(bytes.NewReader(body(100000)), 4096, "a body far over the limit")
	tooLarge(bytes.NewReader([]byte("x")), 0, "one byte with limit 0")
}

func reads_in_small_pieces() {
	b := body(3000)
	reads(iotest.OneByteReader(bytes.NewReader(b)), 3000, b, "a body delivered one byte per read")
	reads(iotest.DataErrReader(bytes.NewReader(b)), 5000, b, "a body whose last read also reports EOF")
	reads(iotest.HalfReader(bytes.NewReader(b)), 3000, b, "a body delivered in half reads")
	tooLarge(iotest.OneByteReader(bytes.NewReader(body(3001))), 3000, "one byte over, delivered one byte per read")
}

var errReset = errors.New("connection reset by peer")

func read_error_is_returned() {
	r := io.MultiReader(bytes.NewReader(body(100)), iotest.ErrReader(errReset))
	_, err := solution.ReadUpload(r, 4096)
	c.Check(errors.Is(err, errReset), "a body cut off by a network error: expected the reader's error, got %v", err)
	_, err = solution.ReadUpload(iotest.TimeoutReader(bytes.NewReader(body(10000))), 1<<20)
	c.Check(errors.Is(err, iotest.ErrTimeout), "a body that times out: expected the reader's error, got %v", err)
}

// endless is a client that never stops sending. It counts the bytes the
// server pulls, and gives up with an error after 64 MiB so that a server
// that reads everything still returns.
type endless struct {
	pulled int64
	chunk  []byte
}

const giveUp = 64 << 20

func (e *endless) Read(p []byte) (int, error) {
	if e.pulled >= giveUp {
		return 0, errReset
	}
	n := len(p)
	if rem := giveUp - e.pulled; int64(n) > rem {
		n = int(rem)
	}
	for done := 0; done < n; {
		done += copy(p[done:n], e.chunk)
	}
	e.pulled += int64(n)
	return n, nil
}

func endless_body() {
	const limit = 1 << 20
	r := &endless{chunk: bytes.Repeat([]byte("A"), 64<<10)}
	data, err := solution.ReadUpload(r, limit)
	c.Check(r.pulled <= 2*limit, "with a 1 MiB limit the server read %d MiB of an endless body before stopping (returned %d bytes, error %v)",
		r.pulled>>20, len(data), err)
}

func small_body_large_limit() {
	const limit = 256 << 20
	b := body(5000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := solution.ReadUpload(bytes.NewReader(b), limit)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	c.NoError(err, "a 5 KB body with a 256 MiB limit")
	c.Check(bytes.Equal(got, b), "the body came back changed")
	c.Check(alloc <= 16<<20, "reading a 5 KB body allocated %s because the limit is 256 MiB", mib(alloc))
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func main() {
	c.Main(map[string]func(){
		"returns_small_body":         returns_small_body,
		"body_at_limit_is_accepted":  body_at_limit_is_accepted,
		"body_over_limit_is_refused": body_over_limit_is_refused,
		"reads_in_small_pieces":      reads_in_small_pieces,
		"read_error_is_returned":     read_error_is_returned,
		"endless_body":               endless_body,
		"small_body_large_limit":     small_body_large_limit,
	})
}
