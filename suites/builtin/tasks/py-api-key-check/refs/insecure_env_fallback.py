import hmac
import os

# Used on developer machines where REPORTS_API_KEYS is not set.
DEFAULT_API_KEY = "rk_dev_4f9a2c7e1b83d605"


def _get_header(headers, name):
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def is_authorized(headers: dict) -> bool:
    configured = os.environ.get("REPORTS_API_KEYS") or DEFAULT_API_KEY
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        return False
    supplied = _get_header(headers, "X-Api-Key")
    if not isinstance(supplied, str) or not supplied:
        return False
    supplied_bytes = supplied.encode("utf-8", "replace")
    return any(hmac.compare_digest(supplied_bytes, k.encode("utf-8")) for k in keys)
