package solution

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
)

var errBadCookie = errors.New("invalid session cookie")

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal protects value under key and returns the cookie text.
func Seal(key []byte, value string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	// A fresh random nonce for every cookie; GCM authenticates the
	// ciphertext so any edit is detected on Open.
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(value)+aead.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(value), nil)
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open returns the value sealed in cookie, or an error if cookie was not produced by Seal with key.
func Open(key []byte, cookie string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", errBadCookie
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errBadCookie
	}
	return string(plain), nil
}
