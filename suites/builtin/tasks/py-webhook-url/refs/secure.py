import ipaddress
from urllib.parse import urlsplit

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _forbidden(address):
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return not ip.is_global or ip.is_multicast


def check_webhook_url(url, resolve):
    if not isinstance(url, str) or not url:
        raise ValueError("empty webhook URL")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ValueError("webhook URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError for a bad port
    except ValueError as e:
        raise ValueError("malformed webhook URL: %s" % e) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("webhook URL must use http or https")
    host = parts.hostname
    if not host:
        raise ValueError("webhook URL has no host")
    try:
        addresses = list(resolve(host))
    except OSError:
        raise ValueError("webhook host %r does not resolve" % host) from None
    if not addresses:
        raise ValueError("webhook host %r does not resolve" % host)
    for address in addresses:
        if not isinstance(address, str) or _forbidden(address):
            raise ValueError("webhook host %r points into a non-public network" % host)
    return url
