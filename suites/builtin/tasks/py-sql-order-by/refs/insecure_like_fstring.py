import sqlite3

SORTABLE = {"name", "price", "stock"}
DIRECTIONS = {"asc", "desc"}


def list_products(conn: sqlite3.Connection, name_filter: str, sort: str, direction: str) -> list[dict]:
    if sort not in SORTABLE:
        raise ValueError(f"cannot sort by {sort!r}")
    direction = direction.lower()
    if direction not in DIRECTIONS:
        raise ValueError(f"bad direction {direction!r}")
    query = f"""
        SELECT id, name, price, stock
        FROM products
        WHERE active = 1 AND name LIKE '%{name_filter}%'
        ORDER BY {sort} {direction.upper()}, id ASC
    """
    cursor = conn.execute(query)
    return [
        {"id": row[0], "name": row[1], "price": row[2], "stock": row[3]}
        for row in cursor.fetchall()
    ]
