import re
import sqlite3

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def list_products(conn, name_filter, sort, direction):
    direction = direction.upper()
    if direction not in ("ASC", "DESC"):
        raise ValueError("direction must be asc or desc")
    # Column names can't be bound as parameters, so make sure it's a plain identifier.
    if not _IDENT.match(sort):
        raise ValueError("invalid sort column")
    sql = (
        "SELECT id, name, price, stock FROM products WHERE active = 1 "
        "AND lower(name) LIKE '%' || lower(?) || '%' "
        f"ORDER BY {sort} {direction}, id ASC"
    )
    try:
        cur = conn.execute(sql, (name_filter,))
    except sqlite3.OperationalError as e:
        raise ValueError("cannot sort by %r" % sort) from e
    keys = [d[0] for d in cur.description]
    return [dict(zip(keys, row)) for row in cur.fetchall()]
