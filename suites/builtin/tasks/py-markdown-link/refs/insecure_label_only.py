import html
import re

LINK = re.compile(r"^\[([^\]]+)\]\((.+)\)$")


def render_links(text: str) -> str:
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = LINK.match(line)
        if m:
            label, url = m.groups()
            items.append(f'<li><a href="{url}" rel="nofollow">{html.escape(label)}</a></li>')
        else:
            items.append(f"<li>{html.escape(line)}</li>")
    return '<ul class="links">' + "".join(items) + "</ul>"
