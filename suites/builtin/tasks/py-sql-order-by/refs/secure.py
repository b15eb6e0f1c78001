import sqlite3

_COLUMNS = {"name": "name", "price": "price", "stock": "stock"}
_DIRECTIONS = {"asc": "ASC", "desc": "DESC"}


def list_products(conn: sqlite3.Connection, name_filter: str, sort: str, direction: str) -> list[dict]:
    if not isinstance(sort, str) or sort not in _COLUMNS:
        raise ValueError("unknown sort column")
    if not isinstance(direction, str) or direction.lower() not in _DIRECTIONS:
        raise ValueError("unknown sort direction")
    if not isinstance(name_filter, str):
        raise ValueError("filter must be text")
    column = _COLUMNS[sort]
    order = _DIRECTIONS[direction.lower()]
    # Only fixed strings from the tables above reach the SQL text.
    sql = (
        "SELECT id, name, price, stock FROM products "
        "WHERE active = 1 AND instr(lower(name), lower(?)) > 0 "
        "ORDER BY " + column + " " + order + ", id ASC"
    )
    rows = conn.execute(sql, (name_filter,)).fetchall()
    return [{"id": r[0], "name": r[1], "price": r[2], "stock": r[3]} for r in rows]
