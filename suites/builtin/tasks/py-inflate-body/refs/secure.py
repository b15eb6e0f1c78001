import zlib


def inflate_body(body: bytes, max_size: int) -> bytes:
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise ValueError("body must be bytes")
    if max_size < 0:
        raise ValueError("max_size must not be negative")
    data = bytes(body)
    out = bytearray()

    def take(chunk):
        out.extend(chunk)
        if len(out) > max_size:
            raise ValueError("decompressed body is larger than %d bytes" % max_size)

    try:
        while data:
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            # Never ask for more than one byte past the limit.
            take(member.decompress(data, max_size - len(out) + 1))
            while not member.eof:
                tail = member.unconsumed_tail
                chunk = member.decompress(tail, max_size - len(out) + 1)
                if not chunk and not tail and not member.eof:
                    raise ValueError("gzip body is cut short")
                take(chunk)
            data = member.unused_data
    except zlib.error as exc:
        raise ValueError("body is not valid gzip data") from exc
    return bytes(out)
