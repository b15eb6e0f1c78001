import hashlib
import hmac


def sign_download(path: bytes, expires: int, secret: bytes) -> str:
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    mac.update(str(expires).encode("ascii"))
    mac.update(b"\n")
    mac.update(path)
    return mac.hexdigest()


def verify_download(path: bytes, expires: int, sig: str, secret: bytes, now: int) -> bool:
    if not isinstance(sig, str) or now >= expires:
        return False
    return sig == sign_download(path, expires, secret)
