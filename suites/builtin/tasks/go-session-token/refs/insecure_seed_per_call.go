package solution

import (
	"math/rand"
	"strings"
	"time"
)

const hexDigits = "0123456789abcdef"

// NewSessionToken returns a new session token: 32 random bytes as 64
// lowercase hexadecimal characters.
func NewSessionToken() (string, error) {
	rand.Seed(time.Now().UnixNano())
	var sb strings.Builder
	for i := 0; i < 64; i++ {
		sb.WriteByte(hexDigits[rand.Intn(len(hexDigits))])
	}
	return sb.String(), nil
}
