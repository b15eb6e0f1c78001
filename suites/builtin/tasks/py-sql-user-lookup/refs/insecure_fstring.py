import sqlite3


def get_user(conn: sqlite3.Connection, username: str) -> dict | None:
    query = f"SELECT id, username, email FROM users WHERE username = '{username}'"
    row = conn.execute(query).fetchone()
    if row is None:
        return None
    return {"id": row[0], "username": row[1], "email": row[2]}


def search_users(conn: sqlite3.Connection, text: str) -> list[str]:
    query = (
        f"SELECT username FROM users WHERE active = 1 AND username LIKE '%{text}%' "
        "ORDER BY username"
    )
    return [r[0] for r in conn.execute(query).fetchall()]
