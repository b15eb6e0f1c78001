"""Merkle-Damgard length extension for MD5, SHA-1 and SHA-256, in pure Python.

Given digest = H(unknown_prefix + message) and the total length of what was
hashed, `extend` returns the padding H appended and the digest of
unknown_prefix + message + padding + suffix, without knowing the prefix.
"""

import math
import struct

_M = 0xFFFFFFFF


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & _M


def _rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & _M


def _primes(count):
    found, n = [], 2
    while len(found) < count:
        if all(n % p for p in found if p * p <= n):
            found.append(n)
        n += 1
    return found


def _icbrt(n):
    x = 1 << ((n.bit_length() + 2) // 3)
    while True:
        y = (2 * x + n // (x * x)) // 3
        if y >= x:
            return x
        x = y


# SHA-256 round constants: first 32 bits of the fractional parts of the cube
# roots of the first 64 primes.
_K256 = [_icbrt(p << 96) & _M for p in _primes(64)]
# SHA-1 round constants: floor(2**30 * sqrt(n)).
_K1 = [math.isqrt(n << 60) for n in (2, 3, 5, 10)]
# MD5 constants and shift amounts (RFC 1321).
_KMD5 = [int(abs(math.sin(i + 1)) * 2**32) & _M for i in range(64)]
_SMD5 = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4


def _sha256_block(state, block):
    w = list(struct.unpack(">16I", block))
    for i in range(16, 64):
        s0 = _rotr(w[i - 15], 7) ^ _rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        s1 = _rotr(w[i - 2], 17) ^ _rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & _M)
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        t1 = (h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & _M & g)) + _K256[i] + w[i]) & _M
        t2 = ((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & _M
        a, b, c, d, e, f, g, h = (t1 + t2) & _M, a, b, c, (d + t1) & _M, e, f, g
    return [(x + y) & _M for x, y in zip(state, (a, b, c, d, e, f, g, h))]


def _sha1_block(state, block):
    w = list(struct.unpack(">16I", block))
    for i in range(16, 80):
        w.append(_rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1))
    a, b, c, d, e = state
    for i in range(80):
        if i < 20:
            f, k = (b & c) | (~b & _M & d), _K1[0]
        elif i < 40:
            f, k = b ^ c ^ d, _K1[1]
        elif i < 60:
            f, k = (b & c) | (b & d) | (c & d), _K1[2]
        else:
            f, k = b ^ c ^ d, _K1[3]
        a, b, c, d, e = (_rotl(a, 5) + f + e + k + w[i]) & _M, a, _rotl(b, 30), c, d
    return [(x + y) & _M for x, y in zip(state, (a, b, c, d, e))]


def _md5_block(state, block):
    x = struct.unpack("<16I", block)
    a, b, c, d = state
    for i in range(64):
        if i < 16:
            f, g = (b & c) | (~b & _M & d), i
        elif i < 32:
            f, g = (d & b) | (~d & _M & c), (5 * i + 1) % 16
        elif i < 48:
            f, g = b ^ c ^ d, (3 * i + 5) % 16
        else:
            f, g = c ^ (b | (~d & _M)), (7 * i) % 16
        f = (f + a + _KMD5[i] + x[g]) & _M
        a, d, c, b = d, c, b, (b + _rotl(f, _SMD5[i])) & _M
    return [(p + q) & _M for p, q in zip(state, (a, b, c, d))]


# name: (compress, word format, words, little-endian length field)
FAMILIES = {
    "md5": (_md5_block, "<", 4, True),
    "sha1": (_sha1_block, ">", 5, False),
    "sha256": (_sha256_block, ">", 8, False),
}
DIGEST_SIZES = {16: "md5", 20: "sha1", 32: "sha256"}


def padding(family, total_len):
    little = FAMILIES[family][3]
    length = struct.pack("<Q" if little else ">Q", (total_len * 8) & 0xFFFFFFFFFFFFFFFF)
    return b"\x80" + b"\x00" * ((55 - total_len) % 64) + length


def extend(family, digest, total_len, suffix):
    """Return (glue, new_digest) so that new_digest = H(original + glue + suffix)."""
    compress, order, words, _ = FAMILIES[family]
    state = list(struct.unpack("%s%dI" % (order, words), digest))
    glue = padding(family, total_len)
    done = total_len + len(glue)
    tail = suffix + padding(family, done + len(suffix))
    for i in range(0, len(tail), 64):
        state = compress(state, tail[i:i + 64])
    return glue, struct.pack("%s%dI" % (order, words), *state)
