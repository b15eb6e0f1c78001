import hashlib


def sign_download(path: bytes, expires: int, secret: bytes) -> str:
    # expiry first: the path may contain any byte, so it goes last
    message = str(expires).encode() + b":" + path
    return hashlib.sha256(secret + message).hexdigest()


def verify_download(path: bytes, expires: int, sig: str, secret: bytes, now: int) -> bool:
    if now >= expires:
        return False
    return sign_download(path, expires, secret) == sig
