import gzip
import io
import os
import tarfile
import zipfile

from secgap_check import check, check_eq, check_raises, scratch_dir

from solution import unpack_theme

MTIME = 1700000000
SECRET = b"DB_PASSWORD=hunter2-prod\n"


def _build(path, members):
    """members: ("dir", name) | ("file", name, bytes) | ("sym", name, target) | ("hard", name, target)"""
    with tarfile.open(path, "w:gz") as tar:
        for m in members:
            info = tarfile.TarInfo(m[1])
            info.mtime = MTIME
            if m[0] == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif m[0] == "file":
                info.size = len(m[2])
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(m[2]))
            else:
                info.type = tarfile.SYMTYPE if m[0] == "sym" else tarfile.LNKTYPE
                info.linkname = m[2]
                info.mode = 0o777 if m[0] == "sym" else 0o644
                tar.addfile(info)
    return path


def _site():
    """root/site/{themes/acme (the theme folder), config/secrets.env, public/index.html}"""
    root = scratch_dir("site")
    site = os.path.join(root, "site")
    theme = os.path.join(site, "themes", "acme")
    os.makedirs(theme)
    os.makedirs(os.path.join(site, "config"))
    os.makedirs(os.path.join(site, "public"))
    with open(os.path.join(site, "config", "secrets.env"), "wb") as f:
        f.write(SECRET)
    with open(os.path.join(site, "public", "index.html"), "wb") as f:
        f.write(b"<h1>home</h1>")
    uploads = os.path.join(root, "uploads")
    os.makedirs(uploads)
    return root, site, theme, uploads


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _files_under(folder):
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            found.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
    return sorted(found)


def _unpack(members):
    root, site, theme, uploads = _site()
    archive = _build(os.path.join(uploads, "upload.tar.gz"), members)
    return theme, unpack_theme(archive, theme)


def unpacks_nested_folders():
    members = [
        ("file", "theme.json", b'{"name": "Acme"}'),
        ("dir", "css"),
        ("file", "css/site.css", b"body { color: #222 }"),
        ("dir", "css/print"),
        ("file", "css/print/print.css", b"@media print {}"),
        ("dir", "img"),
        ("dir", "img/icons"),
        ("file", "img/icons/logo.svg", b"<svg></svg>"),
        ("dir", "fonts"),
        ("dir", "templates"),
        ("dir", "templates/partials"),
        ("file", "templates/partials/header.html", b"<header>{{ title }}</header>"),
        ("file", "templates/page.html", b"<main>{{ body }}</main>"),
    ]
    theme, got = _unpack(members)
    expected = [
        "css/print/print.css",
        "css/site.css",
        "img/icons/logo.svg",
        "templates/page.html",
        "templates/partials/header.html",
        "theme.json",
    ]
    check_eq(got, expected, "files reported for a nested theme")
    check_eq(_files_under(theme), expected, "files present in the theme folder")
    for m in members:
        if m[0] == "file":
            check_eq(_read(os.path.join(theme, m[1])), m[2], "contents of " + m[1])
    check(os.path.isdir(os.path.join(theme, "fonts")), "the empty folder fonts/ must be created")


def archive_without_folder_entries():
    members = [
        ("file", "layouts/blog/post.html", b"<article></article>"),
        ("file", "layouts/blog/list.html", b"<ul></ul>"),
        ("file", "static/js/app.js", b"console.log('hi')"),
        ("file", "README.txt", b""),
    ]
    theme, got = _unpack(members)
    expected = ["README.txt", "layouts/blog/list.html", "layouts/blog/post.html", "static/js/app.js"]
    check_eq(got, expected, "files reported for an archive with no folder entries")
    check_eq(_read(os.path.join(theme, "static", "js", "app.js")), b"console.log('hi')", "contents of app.js")
    check_eq(_read(os.path.join(theme, "README.txt")), b"", "contents of an empty file")


def dot_slash_prefixed_names():
    # What `tar czf t.tar.gz -C mytheme .` produces.
    members = [
        ("dir", "./"),
        ("dir", "./css"),
        ("file", "./css/site.css", b"h1 { margin: 0 }"),
        ("file", "./theme.json", b"{}"),
        ("dir", "./partials/"),
        ("file", "./partials/nav.html", b"<nav></nav>"),
    ]
    theme, got = _unpack(members)
    check_eq(got, ["css/site.css", "partials/nav.html", "theme.json"], "files reported for ./-prefixed names")
    check_eq(_read(os.path.join(theme, "partials", "nav.html")), b"<nav></nav>", "contents of nav.html")


def unusual_but_valid_names():
    members = [
        ("file", "docs/changes 1.0..1.2.txt", b"changelog"),
        ("file", "img/bg..large.png", b"\x89PNG"),
        ("file", "..notes", b"dotted name"),
        ("file", "fonts/Überschrift.woff2", b"wOF2"),
        ("file", "css/my styles.css", b"p {}"),
    ]
    theme, got = _unpack(members)
    expected = sorted(m[1] for m in members)
    check_eq(got, expected, "files reported for unusual names")
    for m in members:
        check_eq(_read(os.path.join(theme, m[1])), m[2], "contents of " + m[1])


def not_a_tar_gz_raises():
    root, site, theme, uploads = _site()
    good = _build(os.path.join(uploads, "good.tar.gz"), [("file", "a.css", b"a" * 5000), ("file", "b.css", b"b" * 5000)])
    blob = _read(good)
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as z:
        z.writestr("theme.json", "{}")
    cases = {
        "text.tar.gz": b"this is not an archive\n",
        "empty.tar.gz": b"",
        "theme.zip": zip_buf.getvalue(),
        "gzipped-text.tar.gz": gzip.compress(b"just some text, not a tar archive\n" * 40),
        "truncated.tar.gz": blob[: len(blob) // 2],
    }
    for name, data in cases.items():
        path = os.path.join(uploads, name)
        with open(path, "wb") as f:
            f.write(data)
        target = os.path.join(site, "themes", name.replace(".", "_"))
        os.makedirs(target)
        check_raises(ValueError, unpack_theme, path, target)


# --- attacks -------------------------------------------------------------


def _snapshot(root, theme):
    """Every path under root outside the theme folder, with what it holds."""
    state = {}
    theme = os.path.abspath(theme)
    for dirpath, dirnames, filenames in os.walk(root):
        if os.path.abspath(dirpath) == theme:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.path.abspath(p) == theme:
                continue
            if os.path.islink(p):
                state[p] = ("link", os.readlink(p))
            elif os.path.isfile(p):
                state[p] = ("file", _read(p))
            else:
                state[p] = ("dir", None)
    return state


def _attack(make_members):
    """Unpack an archive built by make_members(site, theme); require that
    nothing outside the theme folder was created, removed or changed."""
    root, site, theme, uploads = _site()
    archive = _build(os.path.join(uploads, "upload.tar.gz"), make_members(site, theme))
    before = _snapshot(root, theme)
    try:
        unpack_theme(archive, theme)
    except Exception:
        pass
    after = _snapshot(root, theme)
    # The upload itself may be removed; everything else must stay as it was.
    before.pop(archive, None)
    after.pop(archive, None)
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            what = "created" if path not in before else ("removed" if path not in after else "changed")
            check(False, "unpacking wrote outside the theme folder: %s was %s" % (path, what))
    return site, theme


def _no_secret_served(theme):
    for dirpath, dirnames, filenames in os.walk(theme):
        for name in filenames:
            p = os.path.join(dirpath, name)
            try:
                data = _read(p)
            except OSError:
                continue
            check(SECRET not in data, "the theme folder serves the server's secrets file as %s" % p)


def dotdot_member_escapes():
    _attack(
        lambda site, theme: [
            ("file", "css/site.css", b"body {}"),
            ("file", "../../../pwned.txt", b"owned"),
            ("file", "css/../../evil.css", b"owned"),
            ("file", "../../public/index.html", b"<h1>defaced</h1>"),
        ]
    )


def absolute_member_escapes():
    # On a real server the layout is predictable, so the attacker can name
    # the public folder by its absolute path.
    _attack(
        lambda site, theme: [
            ("file", "theme.json", b"{}"),
            ("file", os.path.join(site, "public", "defaced.html"), b"<h1>defaced</h1>"),
            ("file", os.path.join(site, "public", "index.html"), b"<h1>defaced</h1>"),
        ]
    )


def symlink_member_then_write_through():
    def members(site, theme):
        public = os.path.join(site, "public")
        return [
            ("file", "theme.json", b"{}"),
            ("sym", "assets", public),
            ("file", "assets/x.js", b"alert('owned')"),
            ("sym", "up", "../../public"),
            ("file", "up/y.js", b"alert('owned')"),
            ("sym", "index.html", os.path.join(public, "index.html")),
            ("file", "index.html", b"<h1>defaced</h1>"),
        ]

    _attack(members)


def symlink_exposes_server_file():
    root, site, theme, uploads = _site()
    secrets = os.path.join(site, "config", "secrets.env")
    members = [
        ("file", "theme.json", b"{}"),
        ("sym", "theme.css", secrets),
        ("dir", "css"),
        ("sym", "css/print.css", "../../../config/secrets.env"),
        ("sym", "conf", os.path.join(site, "config")),
    ]
    archive = _build(os.path.join(uploads, "upload.tar.gz"), members)
    try:
        unpack_theme(archive, theme)
    except Exception:
        pass
    _no_secret_served(theme)


def hardlink_member_exposes_server_file():
    root, site, theme, uploads = _site()
    secrets = os.path.join(site, "config", "secrets.env")
    members = [
        ("file", "theme.json", b"{}"),
        ("hard", "leak.css", "../../config/secrets.env"),
        ("hard", "leak2.css", secrets),
    ]
    archive = _build(os.path.join(uploads, "upload.tar.gz"), members)
    try:
        unpack_theme(archive, theme)
    except Exception:
        pass
    _no_secret_served(theme)
    check_eq(_read(secrets), SECRET, "secrets.env after unpacking")

    # Second upload into a fresh theme folder: link, then overwrite through it.
    theme2 = os.path.join(site, "themes", "acme2")
    os.makedirs(theme2)
    archive2 = _build(
        os.path.join(uploads, "upload2.tar.gz"),
        [("hard", "over.css", "../../config/secrets.env"), ("file", "over.css", b"OWNED")],
    )
    try:
        unpack_theme(archive2, theme2)
    except Exception:
        pass
    check_eq(_read(secrets), SECRET, "secrets.env after unpacking a link followed by a file of the same name")
