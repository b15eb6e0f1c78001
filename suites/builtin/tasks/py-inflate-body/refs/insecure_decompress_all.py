import gzip
import zlib


def inflate_body(body: bytes, max_size: int) -> bytes:
    try:
        data = gzip.decompress(body)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"invalid gzip body: {exc}") from exc
    if len(data) > max_size:
        raise ValueError(f"decompressed body too large ({len(data)} > {max_size} bytes)")
    return data
