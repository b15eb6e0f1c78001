package solution

import (
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge reports a body longer than the endpoint's limit.
var ErrTooLarge = errors.New("upload too large")

// ReadUpload reads the whole body from r and returns it, or ErrTooLarge
// when the body is longer than limit bytes.
func ReadUpload(r io.Reader, limit int64) ([]byte, error) {
	if limit < 0 {
		return nil, ErrTooLarge
	}
	// Never pull more than one byte past the limit: that byte is enough to
	// know the body is too long, and memory grows with what was received,
	// not with the limit.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	return data, nil
}
