package solution

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"errors"
)

var errInvalid = errors.New("invalid cookie")

// Seal protects value under key and returns the cookie text.
func Seal(key []byte, value string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	// PKCS#7 padding up to a whole number of blocks.
	pad := aes.BlockSize - len(value)%aes.BlockSize
	data := append([]byte(value), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += aes.BlockSize {
		block.Encrypt(out[i:i+aes.BlockSize], data[i:i+aes.BlockSize])
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the value sealed in cookie, or an error if cookie was not produced by Seal with key.
func Open(key []byte, cookie string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	data, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return "", errInvalid
	}
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += aes.BlockSize {
		block.Decrypt(out[i:i+aes.BlockSize], data[i:i+aes.BlockSize])
	}
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize {
		return "", errInvalid
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return "", errInvalid
		}
	}
	return string(out[:len(out)-pad]), nil
}
