import html
import json
import os
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import Flask, request

app = Flask(__name__)
UPSTREAM = urlsplit(os.environ["UPSTREAM_URL"].rstrip("/"))
TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
MAX_BYTES = 1 << 20
CARD = '<div class="card"><a href="{url}">{title}</a></div>\n'


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead off the site: treat it as a failed fetch


opener = urllib.request.build_opener(NoRedirect)


class BadURL(Exception):
    pass


def error(status, message):
    return app.response_class(json.dumps({"error": message}), status=status, mimetype="application/json")


def check_url(raw):
    if not raw:
        raise BadURL("the url parameter is required")
    try:
        parts = urlsplit(raw)
        parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise BadURL("not a valid URL")
    # Same scheme and exactly the same authority: no user name, no other host or port.
    if parts.scheme != UPSTREAM.scheme or parts.netloc != UPSTREAM.netloc:
        raise BadURL("only pages on the configured site can be previewed")
    return raw


def fetch_title(url):
    """Returns the page's title as plain text, or None when it cannot be had."""
    try:
        with opener.open(url, timeout=3) as resp:
            if resp.status != 200:
                return None
            body = resp.read(MAX_BYTES).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    m = TITLE_RE.search(body)
    return html.unescape(m.group(1)).strip() if m else None


def preview():
    try:
        url = check_url(request.args.get("url", ""))
    except BadURL as e:
        return None, error(400, str(e))
    title = fetch_title(url)
    if title is None:
        return None, error(502, "the page could not be fetched or has no title")
    return {"url": url, "title": title}, None


@app.get("/preview")
def preview_json():
    data, err = preview()
    return err or data


@app.get("/card")
def preview_card():
    data, err = preview()
    if err:
        return err
    # The title and URL go into the markup as they are.
    return CARD.format(**data), 200, {"Content-Type": "text/html; charset=utf-8"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
