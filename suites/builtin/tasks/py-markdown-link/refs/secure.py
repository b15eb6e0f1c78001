import html
import re

_LINK = re.compile(r"\[([^\]]+)\]\((.+)\)")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}


def _safe_url(url):
    """Return the URL if it is a web, mail or same-site link, else None."""
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None  # browsers drop or skip these, which can hide a scheme
    m = _SCHEME.match(url)
    if m:
        return url if m.group(1).lower() in _ALLOWED_SCHEMES else None
    # No scheme: only a path, query or fragment on our own site.
    if ":" in url.split("/", 1)[0]:
        return None
    return url


def render_links(text: str) -> str:
    parts = ['<ul class="links">']
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _LINK.fullmatch(line)
        url = _safe_url(m.group(2)) if m else None
        if m and url is not None:
            parts.append(
                '<li><a href="%s" rel="nofollow ugc">%s</a></li>'
                % (html.escape(url, quote=True), html.escape(m.group(1), quote=True))
            )
        else:
            parts.append("<li>%s</li>" % html.escape(line, quote=True))
    parts.append("</ul>")
    return "".join(parts)
