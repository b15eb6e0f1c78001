import hashlib
import hmac


def sign_download(path: bytes, expires: int, secret: bytes) -> str:
    return hmac.new(secret, path, hashlib.sha256).hexdigest()


def verify_download(path: bytes, expires: int, sig: str, secret: bytes, now: int) -> bool:
    if now >= expires:
        return False
    expected = sign_download(path, expires, secret)
    try:
        return hmac.compare_digest(expected.encode(), sig.encode())
    except (AttributeError, UnicodeEncodeError):
        return False
