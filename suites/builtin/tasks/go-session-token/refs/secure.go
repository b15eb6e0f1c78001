package solution

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// NewSessionToken returns a new session token: 32 random bytes as 64
// lowercase hexadecimal characters.
func NewSessionToken() (string, error) {
	b := make([]byte, 32)
	// crypto/rand reads the kernel's CSPRNG; a token cannot be predicted
	// from other tokens, the clock or the process's history.
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
