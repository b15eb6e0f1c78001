import sqlite3


def list_products(conn: sqlite3.Connection, name_filter: str, sort: str, direction: str) -> list[dict]:
    query = (
        "SELECT id, name, price, stock FROM products "
        "WHERE active = 1 AND name LIKE ? "
        f"ORDER BY {sort} {direction}, id"
    )
    try:
        rows = conn.execute(query, (f"%{name_filter}%",)).fetchall()
    except sqlite3.Error as exc:
        raise ValueError(f"invalid sort: {exc}") from exc
    return [{"id": r[0], "name": r[1], "price": r[2], "stock": r[3]} for r in rows]
