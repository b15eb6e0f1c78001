import os
from datetime import datetime, timedelta, timezone

from secgap_check import CheckFailed, check, check_eq, scratch_dir

from solution import append_audit

UTC = timezone.utc
WHEN = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
STAMP = "2024-05-01T12:00:00Z"
FAKE = "2024-05-01T12:00:01Z admin user.grant_role gave mallory the superuser role"


def _log():
    return os.path.join(scratch_dir("audit"), "audit.log")


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckFailed("the audit file is not valid UTF-8: %s" % e)


def writes_exact_entry():
    path = _log()
    append_audit(path, "alice", "user.delete", "removed account 4411", WHEN)
    check_eq(_read(path), STAMP + " alice user.delete removed account 4411\n", "audit file contents")


def appends_after_existing_entries():
    path = _log()
    old = "2024-04-30T08:00:00Z bob user.login from 192.0.2.10\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(old)
    append_audit(path, "carol", "file.upload", "q1 report.pdf (2 MB)", WHEN)
    append_audit(path, "dave", "user.logout", "bye", WHEN + timedelta(seconds=61))
    check_eq(
        _read(path),
        old
        + STAMP + " carol file.upload q1 report.pdf (2 MB)\n"
        + "2024-05-01T12:01:01Z dave user.logout bye\n",
        "audit file contents",
    )


def keeps_unicode_text():
    path = _log()
    append_audit(path, "Zoë Ødegård", "file.rename", "renamed to 報告書 2024 ✅ (final).pdf", WHEN)
    append_audit(path, "Дмитрий", "search", "query: «naïve café» & <b>bold</b> 100% \"quoted\"", WHEN)
    check_eq(
        _read(path),
        STAMP + " Zoë Ødegård file.rename renamed to 報告書 2024 ✅ (final).pdf\n"
        + STAMP + " Дмитрий search query: «naïve café» & <b>bold</b> 100% \"quoted\"\n",
        "audit file contents",
    )


def converts_time_to_utc():
    path = _log()
    append_audit(path, "erin", "user.login", "ok", datetime(2024, 5, 1, 14, 30, 5, 987654, tzinfo=timezone(timedelta(hours=2))))
    append_audit(path, "erin", "user.logout", "ok", datetime(2023, 12, 31, 19, 0, 0, tzinfo=timezone(timedelta(hours=-5))))
    check_eq(
        _read(path),
        "2024-05-01T12:30:05Z erin user.login ok\n2024-01-01T00:00:00Z erin user.logout ok\n",
        "audit file contents",
    )


def one_line_per_call():
    path = _log()
    for i in range(60):
        append_audit(path, "user%d" % i, "item.view", "viewed item %d of 60" % i, WHEN)
    lines = _read(path).splitlines()
    check_eq(len(lines), 60, "number of entries after 60 calls")
    check_eq(lines[59], STAMP + " user59 item.view viewed item 59 of 60", "last entry")


def _forgery_blocked(user, detail):
    path = _log()
    append_audit(path, "alice", "user.login", "ok", WHEN)
    try:
        append_audit(path, user, "user.login", detail, WHEN)
    except Exception:
        pass
    append_audit(path, "bob", "user.logout", "ok", WHEN)
    lines = _read(path).splitlines()
    check(len(lines) <= 3, "3 calls left %d entries in the trail: %r" % (len(lines), lines))
    for line in lines:
        check(line.startswith(STAMP + " "), "an entry the application never wrote appears in the trail: %r" % line)


def newline_in_detail_forges_entry():
    _forgery_blocked("mallory", "wrong password\n" + FAKE)


def crlf_in_user_name_forges_entry():
    _forgery_blocked("mallory\r\n" + FAKE + "\r\nmallory", "ok")


def carriage_return_hides_entry():
    _forgery_blocked("mallory", "wrong password\r" + FAKE)


def unicode_line_breaks_forge_entry():
    for sep in ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]:
        _forgery_blocked("mallory" + sep + FAKE + sep + "x", "wrong password" + sep + FAKE)
