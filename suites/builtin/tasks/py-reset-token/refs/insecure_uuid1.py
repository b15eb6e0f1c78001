import uuid

TOKENS = {}


def issue_reset_token(email: str) -> str:
    token = str(uuid.uuid1())
    TOKENS[token] = email
    return token


def redeem_reset_token(token: str) -> str | None:
    return TOKENS.pop(token, None)
