package solution

import (
	"errors"
	"io"
)

// ErrTooLarge reports a body longer than the endpoint's limit.
var ErrTooLarge = errors.New("upload too large")

// ReadUpload reads the whole body from r and returns it, or ErrTooLarge
// when the body is longer than limit bytes.
func ReadUpload(r io.Reader, limit int64) ([]byte, error) {
	// One extra byte tells us whether the body goes past the limit.
	buf := make([]byte, limit+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	return nil, ErrTooLarge
}
