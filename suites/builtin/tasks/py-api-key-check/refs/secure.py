import hmac
import os

_HEADER = "x-api-key"


def _configured_keys():
    raw = os.environ.get("REPORTS_API_KEYS", "")
    return [k.strip().encode("utf-8") for k in raw.split(",") if k.strip()]


def is_authorized(headers: dict) -> bool:
    keys = _configured_keys()
    if not keys or not isinstance(headers, dict):
        return False
    presented = None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == _HEADER:
            presented = value
    if not isinstance(presented, str) or not presented:
        return False
    try:
        given = presented.encode("utf-8")
    except UnicodeEncodeError:
        return False
    matched = False
    for key in keys:
        # Check every key, so the time taken does not depend on which one matched.
        matched |= hmac.compare_digest(given, key)
    return matched
