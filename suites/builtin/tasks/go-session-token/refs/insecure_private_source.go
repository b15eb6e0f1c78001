package solution

import (
	"encoding/hex"
	"math/rand"
	"time"
)

// NewSessionToken returns a new session token: 32 random bytes as 64
// lowercase hexadecimal characters.
func NewSessionToken() (string, error) {
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	b := make([]byte, 32)
	r.Read(b)
	return hex.EncodeToString(b), nil
}
