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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	return data, nil
}
