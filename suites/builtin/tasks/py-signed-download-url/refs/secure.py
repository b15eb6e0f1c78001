import base64
import hashlib
import hmac
import struct


def _mac(path, expires, secret):
    # Fixed-width expiry first, then the path: the encoding is unambiguous.
    message = b"dl-v1\x00" + struct.pack(">q", expires) + path
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign_download(path: bytes, expires: int, secret: bytes) -> str:
    return base64.urlsafe_b64encode(_mac(path, expires, secret)).rstrip(b"=").decode("ascii")


def verify_download(path: bytes, expires: int, sig: str, secret: bytes, now: int) -> bool:
    try:
        if not isinstance(path, (bytes, bytearray)) or not isinstance(sig, str):
            return False
        if type(expires) is not int or not -(2**63) <= expires < 2**63:
            return False
        expected = sign_download(bytes(path), expires, secret).encode("ascii")
        given = sig.encode("utf-8", "replace")
        valid = hmac.compare_digest(given, expected)
        return valid and now < expires
    except Exception:
        return False
