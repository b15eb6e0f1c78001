package solution

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
)

// Seal protects value under key and returns the cookie text.
func Seal(key []byte, value string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, aes.BlockSize+len(value))
	iv := out[:aes.BlockSize]
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return "", err
	}
	cipher.NewCTR(block, iv).XORKeyStream(out[aes.BlockSize:], []byte(value))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the value sealed in cookie, or an error if cookie was not produced by Seal with key.
func Open(key []byte, cookie string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	data, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil {
		return "", err
	}
	if len(data) < aes.BlockSize {
		return "", errors.New("cookie too short")
	}
	plain := make([]byte, len(data)-aes.BlockSize)
	cipher.NewCTR(block, data[:aes.BlockSize]).XORKeyStream(plain, data[aes.BlockSize:])
	return string(plain), nil
}
