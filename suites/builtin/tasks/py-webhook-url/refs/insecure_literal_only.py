import ipaddress
from urllib.parse import urlparse


def check_webhook_url(url: str, resolve) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise ValueError("only http and https webhooks are supported")
    host = parsed.hostname
    if not host:
        raise ValueError("missing host")

    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None

    if ip is not None:
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise ValueError("webhook URL points to a private address")
    else:
        try:
            if not resolve(host):
                raise ValueError("host does not resolve")
        except OSError as exc:
            raise ValueError(f"host does not resolve: {exc}")
    return url
