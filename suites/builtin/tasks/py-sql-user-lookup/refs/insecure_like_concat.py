import sqlite3


def get_user(conn: sqlite3.Connection, username: str) -> dict | None:
    cur = conn.cursor()
    cur.execute("SELECT id, username, email FROM users WHERE username = ?", (username,))
    row = cur.fetchone()
    if not row:
        return None
    return dict(zip(("id", "username", "email"), row))


def search_users(conn: sqlite3.Connection, text: str) -> list[str]:
    # LIKE patterns can't take a placeholder inside the quotes, so build it here.
    pattern = "%" + text.lower() + "%"
    sql = "SELECT username FROM users WHERE active = 1 AND lower(username) LIKE '" + pattern + "'"
    names = [r[0] for r in conn.execute(sql)]
    return sorted(names)
