package solution

import (
	"encoding/hex"
	"math/rand"
)

// NewSessionToken returns a new session token: 32 random bytes as 64
// lowercase hexadecimal characters.
func NewSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
