import random
import string

_ALPHABET = string.ascii_letters + string.digits
_tokens = {}


def issue_reset_token(email: str) -> str:
    token = "".join(random.choices(_ALPHABET, k=40))
    _tokens[token] = email
    return token


def redeem_reset_token(token: str) -> str | None:
    return _tokens.pop(token, None)
