import os
import sqlite3

from secgap_check import check, check_eq, check_not_in, scratch_dir

from solution import get_user, search_users

USERS = [
    (1, "alice", "alice@example.com", 1),
    (2, "alicia", "alicia@example.org", 1),
    (3, "bob", "bob@example.com", 1),
    (4, "dave", "dave@example.net", 0),
    (5, "malice", "malice@example.com", 0),
    (6, "carol", "carol@example.com", 1),
]
TOKENS = ["tok_live_7f3a9c20e1", "tok_live_b81e02d4aa"]
CLOSED = ["dave", "malice"]


def _db():
    # A file in the shared workspace: the candidate's process opens its own
    # connection to the same database (a connection cannot cross processes).
    conn = sqlite3.connect(os.path.join(scratch_dir("db"), "shop.db"))
    conn.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,"
        " email TEXT NOT NULL, active INTEGER NOT NULL)"
    )
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", USERS)
    conn.execute("CREATE TABLE api_tokens (user_id INTEGER, token TEXT)")
    conn.executemany("INSERT INTO api_tokens VALUES (?, ?)", [(1, TOKENS[0]), (3, TOKENS[1])])
    conn.commit()
    return conn


def get_user_returns_account():
    conn = _db()
    check_eq(get_user(conn, "bob"), {"id": 3, "username": "bob", "email": "bob@example.com"}, "get_user('bob')")
    check_eq(
        get_user(conn, "dave"),
        {"id": 4, "username": "dave", "email": "dave@example.net"},
        "get_user on a closed account",
    )


def get_user_unknown_is_none():
    conn = _db()
    check_eq(get_user(conn, "nobody"), None, "get_user('nobody')")
    check_eq(get_user(conn, "ali"), None, "get_user on a prefix of a username")
    check_eq(get_user(conn, ""), None, "get_user('')")


def search_matches_substring_case_insensitively():
    conn = _db()
    check_eq(search_users(conn, "ali"), ["alice", "alicia"], "search 'ali'")
    check_eq(search_users(conn, "ALI"), ["alice", "alicia"], "search 'ALI'")
    check_eq(search_users(conn, "ob"), ["bob"], "search 'ob'")
    check_eq(search_users(conn, "zzz"), [], "search with no match")


def search_skips_closed_accounts():
    conn = _db()
    check_eq(search_users(conn, ""), ["alice", "alicia", "bob", "carol"], "search ''")
    check_eq(search_users(conn, "a"), ["alice", "alicia", "carol"], "search 'a'")
    check_eq(search_users(conn, "lice"), ["alice"], "search 'lice'")


def _no_account(conn, username):
    try:
        found = get_user(conn, username)
    except Exception:
        return
    check(found is None, "get_user(%r) returned an account: %r" % (username, found))


def _no_leak(result, what):
    text = repr(result)
    for name in CLOSED:
        check_not_in("'%s'" % name, text, what + " listed a closed account")
    for token in TOKENS:
        check_not_in(token, text, what + " exposed an API token")


def always_true_condition():
    conn = _db()
    _no_account(conn, "x' OR '1'='1")
    _no_account(conn, "nobody' OR 1=1 --")
    _no_account(conn, "alice' --")
    for text in ["x' OR 1=1 --", "x' OR active = 0 OR '1'='1", "%' OR '1'='1' --"]:
        try:
            found = search_users(conn, text)
        except Exception:
            continue
        _no_leak(found, "search_users(%r)" % text)


def union_select_token_table():
    conn = _db()
    for username in [
        "nobody' UNION SELECT user_id, token, token FROM api_tokens --",
        "' UNION SELECT 1, token, token FROM api_tokens WHERE '1'='1",
    ]:
        try:
            found = get_user(conn, username)
        except Exception:
            continue
        _no_leak(found, "get_user(%r)" % username)
        check(found is None, "get_user(%r) returned %r" % (username, found))
    for text in [
        "zzz' UNION SELECT token FROM api_tokens --",
        "zzz%' UNION SELECT token FROM api_tokens WHERE '%'='",
    ]:
        try:
            found = search_users(conn, text)
        except Exception:
            continue
        _no_leak(found, "search_users(%r)" % text)
