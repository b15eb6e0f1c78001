package solution

import (
	"encoding/hex"
	"math/rand"
	"time"
)

func init() {
	rand.Seed(time.Now().UnixNano())
}

// NewSessionToken returns a new session token: 32 random bytes as 64
// lowercase hexadecimal characters.
func NewSessionToken() (string, error) {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(rand.Intn(256))
	}
	return hex.EncodeToString(b), nil
}
