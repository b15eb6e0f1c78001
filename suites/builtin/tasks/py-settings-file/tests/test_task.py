import os
import re

from secgap_check import check, check_eq, check_not_in, check_raises, scratch_dir

from solution import load_settings


def _write(text, name="settings.py"):
    folder = scratch_dir("tenant")
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _load(text):
    result = load_settings(_write(text))
    check(isinstance(result, dict), "load_settings must return a dict, got %r" % (result,))
    return result


def reads_scalar_values():
    text = (
        'site_name = "Acme Docs"\n'
        "tagline='Docs, \"quoted\" & more'\n"
        "max_upload_mb = 25\n"
        "ratio = 0.75\n"
        "offset = -3\n"
        "big_number   =   12345678901234567890\n"
        "maintenance = False\n"
        "public = True\n"
        "banner = None\n"
        'greeting = "Grüße aus Köln"\n'
        'empty = ""\n'
    )
    got = _load(text)
    check_eq(
        got,
        {
            "site_name": "Acme Docs",
            "tagline": 'Docs, "quoted" & more',
            "max_upload_mb": 25,
            "ratio": 0.75,
            "offset": -3,
            "big_number": 12345678901234567890,
            "maintenance": False,
            "public": True,
            "banner": None,
            "greeting": "Grüße aus Köln",
            "empty": "",
        },
        "settings read from a file of scalar values",
    )
    check(type(got["max_upload_mb"]) is int and type(got["ratio"]) is float, "numbers keep their type")
    check(got["maintenance"] is False and got["banner"] is None, "False and None keep their type")


def reads_nested_lists_and_dicts():
    text = (
        "languages = [\"en\", \"de\", 'fr']\n"
        'limits = {"pages": 500, "users": {"admins": 2, "editors": 10}}\n'
        "no_items = []\n"
        "no_keys = {}\n"
        "matrix = [[1, 2], [3, -4.5], []]\n"
        'mixed = [None, True, "x", {"k": [1]}]\n'
    )
    check_eq(
        _load(text),
        {
            "languages": ["en", "de", "fr"],
            "limits": {"pages": 500, "users": {"admins": 2, "editors": 10}},
            "no_items": [],
            "no_keys": {},
            "matrix": [[1, 2], [3, -4.5], []],
            "mixed": [None, True, "x", {"k": [1]}],
        },
        "settings holding lists and dicts",
    )


def comments_blank_lines_and_overrides():
    text = (
        "# site identity\n"
        "\n"
        "   # an indented comment\n"
        'site_name = "Acme"   # trailing comment\n'
        'color = "#ff0000"\n'
        'home = "https://example.com/a?b=1#top"  # holds = and #\n'
        "\t \n"
        "theme = 'light'\n"
        "theme = 'dark'\n"
        'formula = "a = b"\n'
        "last = 1"
    )
    check_eq(
        _load(text),
        {
            "site_name": "Acme",
            "color": "#ff0000",
            "home": "https://example.com/a?b=1#top",
            "theme": "dark",
            "formula": "a = b",
            "last": 1,
        },
        "settings with comments, blank lines and a repeated name",
    )


def empty_or_comment_only_file():
    check_eq(_load(""), {}, "settings from an empty file")
    check_eq(_load("# nothing here yet\n\n   \n# still nothing\n"), {}, "settings from a comment-only file")


BAD_LINES = [
    "just some words",
    "2fast = 1",
    "my-name = 1",
    "timeout =",
    "= 5",
    "title = Acme Docs",
    "owner = admin",
    "enabled = yes",
    "motd = 'unterminated",
    "ports = [80, 443",
    'limits = {"pages": 500',
]


def malformed_line_reports_its_number():
    good_before = ['site_name = "Acme"', "# comment", "", "max_upload_mb = 25"]
    good_after = ["ratio = 0.5", 'theme = "dark"']
    for i, bad in enumerate(BAD_LINES):
        before = good_before[: i % (len(good_before) + 1)]
        number = len(before) + 1
        text = "\n".join(before + [bad] + good_after) + "\n"
        err = check_raises(ValueError, load_settings, _write(text))
        check(
            re.search(r"\bline %d\b" % number, str(err)) is not None,
            "the error for %r on line %d must say `line %d`, it said %r" % (bad, number, number, str(err)),
        )


def _markers_absent(paths, what):
    for path in paths:
        check(not os.path.lexists(path), "%s ran code: %s was created" % (what, path))


def _try_load(text):
    try:
        return load_settings(_write(text))
    except Exception:
        return None


def import_call_runs_command():
    cwd = os.getcwd()
    markers = [os.path.join(cwd, "pwned_%d" % i) for i in range(4)]
    payloads = [
        "cache_dir = __import__('os').system('touch %s')" % markers[0],
        "cache_dir = __import__('subprocess').call(['touch', '%s'])" % markers[1],
        "cache_dir = exec(\"open('%s', 'w').close()\")" % markers[2],
        "cache_dir = [__import__('os').makedirs('%s'), 1][1]" % markers[3],
    ]
    for payload in payloads:
        _try_load('site_name = "Acme"\n' + payload + "\nratio = 0.5\n")
        _markers_absent(markers, "loading %r" % payload)


def open_reads_server_file():
    secret_dir = scratch_dir("server")
    secret = os.path.join(secret_dir, "db_password.txt")
    with open(secret, "w") as f:
        f.write("s3cr3t-db-passw0rd")
    payloads = [
        "banner = open(%r).read()" % secret,
        "banner = (lambda: open(%r).read())()" % secret,
        "banner = [line for line in open(%r)]" % secret,
    ]
    for payload in payloads:
        got = _try_load('site_name = "Acme"\n' + payload + "\n")
        check_not_in("s3cr3t-db-passw0rd", repr(got), "settings loaded from %r" % payload)


def dunder_walk_without_builtins():
    marker = os.path.join(os.getcwd(), "pwned_walk")
    walk = "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"
    payloads = [
        "theme = " + walk + ".__init__.__globals__['system']('touch %s')" % marker,
        "theme = " + walk + ".__init__.__globals__['popen']('touch %s').read()" % marker,
        "theme = " + walk + ".__init__.__globals__['mkdir'](%r)" % marker,
    ]
    for payload in payloads:
        _try_load(payload + "\n")
        _markers_absent([marker], "loading %r" % payload)
