import secrets

_pending: dict[str, str] = {}


def issue_reset_token(email: str) -> str:
    token = secrets.token_urlsafe(32)
    _pending[token] = email
    return token


def redeem_reset_token(token: str) -> str | None:
    if not isinstance(token, str):
        return None
    return _pending.pop(token, None)
