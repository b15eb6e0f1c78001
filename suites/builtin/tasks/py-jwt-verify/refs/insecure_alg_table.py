import base64
import hashlib
import hmac
import json

# Algorithms defined for JWS with a shared key, plus unsecured tokens (RFC 7519, section 6).
_ALGORITHMS = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
    "none": None,
}


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_token(token: str, secret: bytes, now: int) -> dict:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, TypeError) as exc:
        raise ValueError("malformed token") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("malformed token")

    alg = header.get("alg")
    if alg not in _ALGORITHMS:
        raise ValueError(f"unsupported algorithm {alg!r}")
    digest = _ALGORITHMS[alg]
    if digest is not None:
        expected = hmac.new(secret, f"{header_b64}.{payload_b64}".encode("ascii"), digest).digest()
        if not hmac.compare_digest(expected, signature):
            raise ValueError("invalid signature")

    exp = payload.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise ValueError("missing or invalid exp")
    if now >= exp:
        raise ValueError("token expired")
    return payload
