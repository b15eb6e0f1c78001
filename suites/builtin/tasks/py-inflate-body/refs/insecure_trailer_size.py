import gzip
import struct
import zlib


def inflate_body(body: bytes, max_size: int) -> bytes:
    # The gzip trailer ends with ISIZE, the uncompressed length, so we can
    # refuse oversized bodies before spending any time decompressing them.
    if len(body) < 18:
        raise ValueError("body too short to be gzip")
    (declared,) = struct.unpack("<I", body[-4:])
    if declared > max_size:
        raise ValueError("body too large")
    try:
        data = gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError("corrupt gzip body") from exc
    if len(data) > max_size:
        raise ValueError("body too large")
    return data
