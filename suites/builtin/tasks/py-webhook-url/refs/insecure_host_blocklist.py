from urllib.parse import urlparse

BLOCKED_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1"}


def check_webhook_url(url, resolve):
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("webhook URL must be an http(s) URL")
    host = parsed.netloc.split(":")[0].lower()
    if not host:
        raise ValueError("webhook URL has no host")
    if host in BLOCKED_HOSTS:
        raise ValueError("webhooks cannot target our own servers")
    try:
        addresses = resolve(host)
    except OSError:
        raise ValueError(f"cannot resolve {host}")
    if not addresses:
        raise ValueError(f"cannot resolve {host}")
    return url
