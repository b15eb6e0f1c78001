import base64
import hashlib
import hmac
import os

_ALGO = "pbkdf2_sha256"
_ITERATIONS = 600_000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _derive(password, salt, _ITERATIONS)
    return "%s$%d$%s$%s" % (_ALGO, _ITERATIONS, _b64(salt), _b64(digest))


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, iterations, salt_b64, digest_b64 = stored.split("$")
        if algo != _ALGO:
            return False
        iterations = int(iterations)
        if not 1 <= iterations <= 10_000_000:
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
    except (AttributeError, ValueError):
        return False
    if not salt or len(expected) != 32:
        return False
    return hmac.compare_digest(_derive(password, salt, iterations), expected)
