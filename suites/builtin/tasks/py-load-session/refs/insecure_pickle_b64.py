import base64
import binascii
import pickle
import zlib


def save_session(session: dict) -> bytes:
    packed = zlib.compress(pickle.dumps(session))
    return base64.urlsafe_b64encode(packed)


def load_session(data: bytes) -> dict:
    try:
        raw = base64.urlsafe_b64decode(data)
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass  # older clients sent the blob uncompressed
        session = pickle.loads(raw)
    except (binascii.Error, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ValueError("invalid session data") from exc
    if not isinstance(session, dict):
        raise ValueError("invalid session data")
    return session
