import pickle


def save_session(session: dict) -> bytes:
    return pickle.dumps(session, protocol=pickle.HIGHEST_PROTOCOL)


def load_session(data: bytes) -> dict:
    if not data:
        raise ValueError("empty session")
    try:
        session = pickle.loads(data)
    except Exception as exc:
        raise ValueError("could not restore session") from exc
    if not isinstance(session, dict):
        raise ValueError("not a session")
    return session
