import ipaddress
import socket
from urllib.parse import urlsplit

from secgap_check import CheckFailed, check, check_eq, check_raises

from solution import check_webhook_url

# The stand-in resolver answers the way getaddrinfo() on Linux does: an IP
# literal (in any spelling inet_aton accepts) resolves to itself, and names
# come from this table. Anything else does not resolve.
NAMES = {
    "hooks.example.com": ["93.184.216.34"],
    "api.customer.io": ["104.16.1.10", "2606:4700::6810:10a"],
    "events.shop-partner.net": ["151.101.65.140"],
    "hooks.customer-test.invalid": ["185.199.108.153"],
    "localhost": ["127.0.0.1", "::1"],
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "metadata.google.internal": ["169.254.169.254"],
    "intranet.attacker.example": ["10.1.2.3"],
    "mixed.attacker.example": ["93.184.216.40", "192.168.0.10"],
    "dual.attacker.example": ["93.184.216.41", "::1"],
}


def resolve(host):
    if not isinstance(host, str) or not host:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    try:
        return [str(ipaddress.IPv6Address(host))]
    except ValueError:
        pass
    if all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return [socket.inet_ntoa(socket.inet_aton(host))]
        except OSError:
            pass
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if name in NAMES:
        return list(NAMES[name])
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def _same_target(returned, url):
    check(isinstance(returned, str), "check_webhook_url must return the URL as a str, got %r" % (returned,))
    got, want = urlsplit(returned), urlsplit(url)
    check_eq(got.scheme.lower(), want.scheme.lower(), "scheme of the returned URL")
    check_eq(got.hostname, want.hostname, "host of the returned URL")
    check_eq(got.port or {"http": 80, "https": 443}[got.scheme.lower()],
             want.port or {"http": 80, "https": 443}[want.scheme.lower()], "port of the returned URL")
    check_eq(got.path or "/", want.path or "/", "path of the returned URL")
    check_eq(got.query, want.query, "query of the returned URL")


def accepts_public_https_url():
    for url in [
        "https://hooks.example.com/events",
        "https://hooks.example.com/in/abc123?token=xyz&v=2",
        "https://events.shop-partner.net/",
    ]:
        _same_target(check_webhook_url(url, resolve), url)


def accepts_ports_ip_literals_and_case():
    for url in [
        "http://api.customer.io:8080/hook",
        "https://93.184.216.34:8443/callback",
        "http://151.101.65.140/x",
        "HTTPS://Hooks.Example.COM/Path/To/Hook",
        "https://hooks.example.com./events",
    ]:
        _same_target(check_webhook_url(url, resolve), url)


def uses_injected_resolver():
    seen = []

    def recording(host):
        seen.append(host)
        return resolve(host)

    url = "https://hooks.customer-test.invalid/webhook"
    _same_target(check_webhook_url(url, recording), url)
    check(seen, "the resolver passed in was never called")

    def broken(host):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    check_raises(ValueError, check_webhook_url, "https://hooks.example.com/events", broken)


def rejects_unusable_urls():
    for url in [
        "",
        "hooks.example.com/events",
        "//hooks.example.com/events",
        "ftp://hooks.example.com/events",
        "mailto:ops@hooks.example.com",
        "javascript:alert(1)",
        "https:///events",
        "http://",
        "https://no-such-host.example/events",
    ]:
        check_raises(ValueError, check_webhook_url, url, resolve)


def _internal(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _delivery_blocked(url):
    """Run the check, then do what the worker would do with the returned URL."""
    try:
        returned = check_webhook_url(url, resolve)
    except Exception:
        return
    if not isinstance(returned, str):
        return
    try:
        parts = urlsplit(returned)
    except ValueError:
        return
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return
    try:
        addresses = resolve(parts.hostname)
    except OSError:
        return
    bad = [a for a in addresses if _internal(a)]
    if bad:
        raise CheckFailed(
            "%r was accepted (returned %r); the worker would connect to internal address %s"
            % (url, returned, ", ".join(bad))
        )


def loopback_addresses():
    for url in [
        "http://127.10.20.30:8080/admin",
        "http://127.0.0.1:6379/",
        "http://0.0.0.0:8000/",
        "http://[::1]/",
    ]:
        _delivery_blocked(url)


def localhost_by_name():
    for url in [
        "http://localhost:8080/internal/status",
        "http://LOCALHOST./",
        "http://127.0.0.1.nip.io/hook",
    ]:
        _delivery_blocked(url)


def cloud_metadata_endpoint():
    for url in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ]:
        _delivery_blocked(url)


def private_network_addresses():
    for url in [
        "http://10.0.0.5/",
        "https://172.16.3.4:9200/_search",
        "http://192.168.1.1/admin",
        "http://[fd12:3456::1]:8080/",
        "https://intranet.attacker.example/hook",
    ]:
        _delivery_blocked(url)


def numeric_ipv4_spellings():
    for url in [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1:8080/",
        "http://0xa9fea9fe/latest/meta-data/",
    ]:
        _delivery_blocked(url)


def ipv4_mapped_ipv6():
    for url in [
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://[::ffff:10.0.0.1]:8080/",
    ]:
        _delivery_blocked(url)


def dns_answer_with_internal_address():
    for url in [
        "https://mixed.attacker.example/hook",
        "https://dual.attacker.example/hook",
    ]:
        _delivery_blocked(url)


def userinfo_hides_real_host():
    for url in [
        "http://hooks.example.com:8443@169.254.169.254/latest/meta-data/",
        "http://hooks.example.com@127.0.0.1:8080/",
        "http://user:pw@10.0.0.7/",
    ]:
        _delivery_blocked(url)
