import sqlite3


def get_user(conn: sqlite3.Connection, username: str) -> dict | None:
    row = conn.execute(
        "SELECT id, username, email FROM users WHERE username = ?", (username,)
    ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "username": row[1], "email": row[2]}


def search_users(conn: sqlite3.Connection, text: str) -> list[str]:
    # Escape LIKE wildcards so the text is matched literally.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        "SELECT username FROM users WHERE active = 1 AND username LIKE ? ESCAPE '\\' "
        "ORDER BY username",
        ("%" + escaped + "%",),
    ).fetchall()
    return [r[0] for r in rows]
