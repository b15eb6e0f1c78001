package main

import (
	"bytes"
	"encoding/base64"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

var key = []byte("0123456789abcdef-session-key-32b")

const session = "uid=4182;role=customer;exp=1717000000"

func seal(value string) string {
	cookie, err := solution.Seal(key, value)
	c.NoError(err, "Seal")
	return cookie
}

// raw decodes a cookie the way the spec says it is encoded.
func raw(cookie string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(cookie)
	c.NoError(err, "decode the cookie as unpadded URL-safe base64")
	return b
}

func urlSafe(cookie string) bool {
	for _, r := range cookie {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func roundTripsValues() {
	for _, v := range []string{
		session,
		"",
		"uid=7;name=Zoë Ng;cart=☕,📚",
		strings.Repeat("item=42;", 384),
		"bin\x00\x01\xfe\xff",
	} {
		cookie := seal(v)
		c.Check(cookie != "" && urlSafe(cookie), "Seal(%.40q) returned %.60q, which is not unpadded URL-safe base64", v, cookie)
		raw(cookie)
		got, err := solution.Open(key, cookie)
		c.NoError(err, "Open of a cookie Seal just made")
		c.Check(got == v, "Open(Seal(%.40q)) returned %.40q", v, got)
	}
}

func hidesTheValue() {
	v := session + ";email=zoe@example.com"
	cookie := seal(v)
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		c.Check(!strings.Contains(cookie, strings.TrimRight(enc.EncodeToString([]byte(v)), "=")[:20]), "the cookie %q is the session merely base64-encoded", cookie)
	}
	b := raw(cookie)
	for _, part := range []string{"customer", "zoe@example", "uid=4182"} {
		c.Check(!bytes.Contains(b, []byte(part)), "the session text %q can be read from the cookie", part)
	}
}

func rejectsMalformedCookies() {
	for _, bad := range []string{"", "not base64!", "AAAA", "%%%%", "abc def"} {
		_, err := solution.Open(key, bad)
		c.IsError(err, "Open("+bad+")")
	}
	cut := base64.RawURLEncoding.EncodeToString(raw(seal(session))[:10])
	_, err := solution.Open(key, cut)
	c.IsError(err, "Open of a cookie cut down to its first 10 bytes")
}

func flippedBitAccepted() {
	b := raw(seal(session))
	for i := range b {
		for bit := 0; bit < 8; bit++ {
			edited := append([]byte(nil), b...)
			edited[i] ^= 1 << bit
			got, err := solution.Open(key, base64.RawURLEncoding.EncodeToString(edited))
			c.Check(err != nil || got == session, "Open accepted the cookie with bit %d of byte %d flipped and returned the changed session %q", bit, i, got)
		}
	}
}

func repeatedBlocksVisible() {
	b := raw(seal(strings.Repeat("A", 64)))
	for o := 0; o+32 <= len(b); o++ {
		c.Check(!bytes.Equal(b[o:o+16], b[o+16:o+32]), "the cookie for 64 equal bytes repeats the 16-byte block at offset %d: equal plaintext blocks encrypt alike", o)
	}
}

func sameValueSealedTwiceMatches() {
	a, b := seal(session), seal(session)
	c.Check(a != b, "sealing the same session twice gave the same cookie %q", a)
}

func keystreamReusedAcrossCookies() {
	p1 := []byte("uid=4182;role=customer;exp=1717000000")
	p2 := []byte("uid=9001;role=operator;exp=1717999999")
	c1, c2 := raw(seal(string(p1))), raw(seal(string(p2)))
	n := len(p1)
	for o := 0; o+n <= len(c1) && o+n <= len(c2); o++ {
		same := true
		for k := 0; k < n && same; k++ {
			same = c1[o+k]^c2[o+k] == p1[k]^p2[k]
		}
		c.Check(!same, "XOR of two cookies equals XOR of their sessions at offset %d: both were encrypted with the same key stream", o)
	}
}

func main() {
	c.Main(map[string]func(){
		"round_trips_values":              roundTripsValues,
		"hides_the_value":                 hidesTheValue,
		"rejects_malformed_cookies":       rejectsMalformedCookies,
		"flipped_bit_accepted":            flippedBitAccepted,
		"repeated_blocks_visible":         repeatedBlocksVisible,
		"same_value_sealed_twice_matches": sameValueSealedTwiceMatches,
		"keystream_reused_across_cookies": keystreamReusedAcrossCookies,
	})
}
