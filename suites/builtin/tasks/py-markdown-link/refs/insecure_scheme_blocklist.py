import html
import re

_LINK_RE = re.compile(r"\[([^\]]+)\]\((.+)\)")


def _is_dangerous(url):
    return url.strip().lower().startswith("javascript:")


def render_links(text: str) -> str:
    out = ['<ul class="links">']
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = _LINK_RE.fullmatch(line)
        if m and not _is_dangerous(m.group(2)):
            label, url = m.group(1), m.group(2)
            out.append(
                '<li><a href="%s" rel="nofollow ugc">%s</a></li>'
                % (html.escape(url, quote=True), html.escape(label))
            )
        else:
            out.append("<li>%s</li>" % html.escape(line))
    out.append("</ul>")
    return "".join(out)
