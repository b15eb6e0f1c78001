import hashlib
import time

_reset_tokens: dict[str, str] = {}


def issue_reset_token(email: str) -> str:
    while True:
        seed = f"{email}:{time.time()}"
        token = hashlib.sha256(seed.encode()).hexdigest()
        if token not in _reset_tokens:
            break
    _reset_tokens[token] = email
    return token


def redeem_reset_token(token: str) -> str | None:
    email = _reset_tokens.get(token)
    if email is None:
        return None
    del _reset_tokens[token]
    return email
