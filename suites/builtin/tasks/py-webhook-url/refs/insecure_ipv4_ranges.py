import ipaddress
from urllib.parse import urlparse

BLOCKED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
]


def check_webhook_url(url, resolve):
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise ValueError("unsupported scheme")
    if not parsed.hostname:
        raise ValueError("no host in URL")
    try:
        addresses = resolve(parsed.hostname)
    except OSError as e:
        raise ValueError("could not resolve host") from e
    if not addresses:
        raise ValueError("could not resolve host")
    for addr in addresses:
        ip = ipaddress.ip_address(addr)
        for net in BLOCKED_NETWORKS:
            if ip in net:
                raise ValueError(f"{addr} is in a blocked network ({net})")
    return url
