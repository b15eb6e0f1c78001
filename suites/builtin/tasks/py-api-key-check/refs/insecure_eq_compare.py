import os


def is_authorized(headers: dict) -> bool:
    raw = os.environ.get("REPORTS_API_KEYS", "")
    valid_keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not valid_keys:
        return False
    lowered = {str(k).lower(): v for k, v in headers.items()}
    api_key = lowered.get("x-api-key")
    if not isinstance(api_key, str) or not api_key:
        return False
    return api_key in valid_keys
