import base64
import binascii
import hashlib
import hmac
import json
import re

_PART = re.compile(r"[A-Za-z0-9_-]+\Z")
_EXPECTED_ALG = "HS256"


def _b64decode(part):
    if not _PART.match(part) or len(part) % 4 == 1:
        raise ValueError("bad base64url segment")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bad base64url segment") from exc


def _json_object(raw):
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("segment is not JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("segment is not a JSON object")
    return value


def verify_token(token: str, secret: bytes, now: int) -> dict:
    if not isinstance(token, str) or len(token) > 8192:
        raise ValueError("malformed token")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("malformed token")
    header_b64, payload_b64, signature_b64 = parts

    header = _json_object(_b64decode(header_b64))
    # The algorithm is fixed by us, never chosen by the token.
    if header.get("alg") != _EXPECTED_ALG:
        raise ValueError("unexpected token algorithm")

    signature = _b64decode(signature_b64)
    signing_input = (header_b64 + "." + payload_b64).encode("ascii")
    expected = hmac.new(secret, signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("signature does not match")

    payload = _json_object(_b64decode(payload_b64))
    exp = payload.get("exp")
    if type(exp) is not int:
        raise ValueError("exp missing or not an integer")
    if now >= exp:
        raise ValueError("token expired")
    return payload
