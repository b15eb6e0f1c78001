import gzip
import hashlib
import io
import json
import struct
import zlib

from secgap_check import check, check_eq, check_raises, worker_peak_rss_mb

from solution import inflate_body

MiB = 1 << 20


def _noise(n, seed=b"seed"):
    """n bytes that do not compress."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


def _gzip_named(data, name):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=1700000000) as f:
        f.write(data)
    return buf.getvalue()


def inflates_json_body():
    payload = json.dumps(
        {"device": "sensor-17", "readings": [{"t": i, "v": i * 0.5} for i in range(300)]}
    ).encode()
    check_eq(inflate_body(gzip.compress(payload), 4 * MiB), payload, "decompressed JSON body")
    check_eq(inflate_body(gzip.compress(payload, compresslevel=1), 4 * MiB), payload, "body compressed at level 1")
    csv = b"id,name,qty\n" + b"".join(b"%d,item-%d,%d\n" % (i, i, i % 7) for i in range(2000))
    check_eq(inflate_body(_gzip_named(csv, "upload.csv"), 4 * MiB), csv, "body with a file name in its gzip header")


def empty_payload():
    check_eq(inflate_body(gzip.compress(b""), 1024), b"", "gzip of an empty payload")
    check_eq(inflate_body(gzip.compress(b"{}"), 2), b"{}", "two-byte payload with max_size 2")


def size_limit_is_inclusive():
    data = _noise(100_000)
    body = gzip.compress(data)
    check_eq(inflate_body(body, 100_000), data, "body of exactly max_size bytes")
    check_eq(inflate_body(body, 100_001), data, "body one byte under max_size")
    check_raises(ValueError, inflate_body, body, 99_999)


def oversized_body_raises():
    csv = b"".join(b"2024-05-01,store-%03d,%d\n" % (i % 40, i) for i in range(20000))
    check(len(csv) > 400_000, "test data is large")
    check_raises(ValueError, inflate_body, gzip.compress(csv), 64 * 1024)
    check_raises(ValueError, inflate_body, gzip.compress(b"x"), 0)
    check_raises(ValueError, inflate_body, gzip.compress(bytes(10 * MiB)), 1 * MiB)


def concatenated_members():
    a = b'{"part": 1, "rows": [' + b"1," * 20000 + b"0]}\n"
    b = _noise(3000, b"second")
    c = b"tail\n"
    body = gzip.compress(a) + gzip.compress(b) + gzip.compress(c)
    check_eq(inflate_body(body, 1 * MiB), a + b + c, "body made of three gzip members")
    total = len(a) + len(b) + len(c)
    check_eq(inflate_body(body, total), a + b + c, "three members totalling exactly max_size")
    check_raises(ValueError, inflate_body, body, total - 1)
    big = _noise(40_000, b"big")
    two = gzip.compress(big) + gzip.compress(big)
    check_raises(ValueError, inflate_body, two, 60_000)


def corrupt_body_raises():
    data = json.dumps({"rows": list(range(5000))}).encode()
    good = gzip.compress(data)
    crc_flipped = good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:]
    size_wrong = good[:-4] + struct.pack("<I", len(data) - 1)
    middle = len(good) // 2
    data_flipped = good[:middle] + bytes([good[middle] ^ 0x55]) + good[middle + 1 :]
    cases = {
        "plain JSON": data,
        "text": b"not gzip at all",
        "truncated body": good[: len(good) // 2],
        "header only": good[:10],
        "bad magic": b"\x1f\x8c" + good[2:],
        "checksum mismatch": crc_flipped,
        "length mismatch": size_wrong,
        "damaged compressed data": data_flipped,
        "zlib instead of gzip": zlib.compress(data),
    }
    for what, body in cases.items():
        try:
            inflate_body(body, 4 * MiB)
        except ValueError:
            continue
        except Exception as e:
            check(False, "%s: expected ValueError, got %s: %s" % (what, type(e).__name__, e))
        check(False, "%s: expected ValueError, but the body was accepted" % what)


# --- attacks -------------------------------------------------------------

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _zero_bomb(gib, trailer_size=None):
    """A gzip member inflating to `gib` GiB of zero bytes, built without
    compressing them all: deflate output for 1 MiB of zeros after a full
    flush is the same every time, so the segment is repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    blocks = segment * (gib * 1024) + b"\x03\x00"  # final empty block
    size = (gib << 30) & 0xFFFFFFFF if trailer_size is None else trailer_size
    # The CRC is not computed (it would take seconds); a decompressor never
    # gets that far without first producing `gib` GiB of output.
    return GZIP_HEADER + blocks + struct.pack("<II", 0, size)


def _peak_rss_mb():
    # The candidate's process, measured by the checker from /proc.
    return worker_peak_rss_mb()


def _refused_cheaply(body, max_size, what):
    before = _peak_rss_mb()
    try:
        result = inflate_body(body, max_size)
    except ValueError:
        result = None
    except MemoryError:
        check(False, "%s: ran out of memory while decompressing" % what)
    grown = _peak_rss_mb() - before
    check(result is None, "%s: expected ValueError, got %d bytes back" % (what, len(result or b"")))
    check(grown < 160, "%s: the process grew by %d MB to refuse a body with max_size %d" % (what, grown, max_size))


def gzip_bomb_of_zeros():
    bomb = _zero_bomb(6)
    check(len(bomb) < 8 * MiB, "the bomb is small")
    _refused_cheaply(bomb, MiB, "6 GiB of zeros")
    _refused_cheaply(gzip.compress(b'{"ok": true}') + bomb, MiB, "a valid member followed by the bomb")


def bomb_with_small_size_trailer():
    bomb = _zero_bomb(6, trailer_size=1000)
    _refused_cheaply(bomb, MiB, "6 GiB of zeros whose trailer claims 1000 bytes")
