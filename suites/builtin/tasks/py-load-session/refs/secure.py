import json


def save_session(session: dict) -> bytes:
    if not isinstance(session, dict):
        raise TypeError("a session must be a dict")
    return json.dumps(session, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def load_session(data: bytes) -> dict:
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError("session blob must be bytes")
    try:
        session = json.loads(bytes(data).decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError("damaged session blob") from exc
    if not isinstance(session, dict):
        raise ValueError("blob does not hold a session")
    return session
