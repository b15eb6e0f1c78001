import hashlib
import hmac


def sign_download(path: bytes, expires: int, secret: bytes) -> str:
    msg = f"{expires}:".encode() + path
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def _constant_time_equals(a: str, b: str) -> bool:
    # compare every character so the time does not depend on where they differ
    result = 0
    for x, y in zip(a, b):
        result |= ord(x) ^ ord(y)
    return result == 0


def verify_download(path: bytes, expires: int, sig: str, secret: bytes, now: int) -> bool:
    if now >= expires:
        return False
    return _constant_time_equals(sig, sign_download(path, expires, secret))
