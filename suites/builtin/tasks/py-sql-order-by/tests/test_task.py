import os
import sqlite3

from secgap_check import check, check_eq, check_not_in, check_raises, scratch_dir

from solution import list_products

# id, name, price, stock, cost, active
PRODUCTS = [
    (1, "Assam Breakfast Tea", 650, 40, 210, 1),
    (2, "Blue Enamel Mug", 1450, 12, 380, 1),
    (3, "Ceramic Teapot", 3900, 5, 1900, 1),
    (4, "Darjeeling First Flush", 1200, 12, 700, 1),
    (5, "Earl Grey Tea", 550, 80, 150, 1),
    (6, "Glass Mug", 990, 0, 600, 1),
    (7, "Discontinued Mug", 300, 3, 100, 0),
    (8, "Staff Sample Tea", 0, 100, 50, 0),
    (9, "Bamboo Tea Whisk", 1800, 7, 400, 1),
]
ACTIVE = [p for p in PRODUCTS if p[5] == 1]
WITHDRAWN = ["Discontinued Mug", "Staff Sample Tea"]
TOKEN = "sk_live_9f2c41d07be3"


def _db():
    # A file in the shared workspace: the candidate's process opens its own
    # connection to the same database (a connection cannot cross processes).
    conn = sqlite3.connect(os.path.join(scratch_dir("db"), "shop.db"))
    conn.execute(
        "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,"
        " stock INTEGER NOT NULL, cost INTEGER NOT NULL, active INTEGER NOT NULL)"
    )
    conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", PRODUCTS)
    conn.execute("CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, owner TEXT, token TEXT)")
    conn.execute("INSERT INTO api_tokens VALUES (1, 'payments', ?)", (TOKEN,))
    conn.commit()
    return conn


def _row(p):
    return {"id": p[0], "name": p[1], "price": p[2], "stock": p[3]}


def _ids(rows):
    check(isinstance(rows, list), "list_products must return a list, got %r" % (rows,))
    return [r["id"] for r in rows]


def _expected(key, reverse, name_part=""):
    rows = [p for p in ACTIVE if name_part.lower() in p[1].lower()]
    col = {"name": 1, "price": 2, "stock": 3}[key]
    rows.sort(key=lambda p: p[0])
    rows.sort(key=lambda p: p[col], reverse=reverse)
    return [p[0] for p in rows]


def sorts_by_each_column():
    conn = _db()
    rows = list_products(conn, "", "name", "asc")
    check_eq(rows, [_row(p) for p in sorted(ACTIVE, key=lambda p: p[1])], "full rows sorted by name")
    for key in ("name", "price", "stock"):
        for direction, reverse in (("asc", False), ("desc", True)):
            check_eq(
                _ids(list_products(conn, "", key, direction)),
                _expected(key, reverse),
                "ids sorted by %s %s" % (key, direction),
            )


def ties_and_letter_case_of_direction():
    conn = _db()
    # Products 2 and 4 both have 12 in stock: id breaks the tie in both directions.
    check_eq(_ids(list_products(conn, "", "stock", "asc")), [6, 3, 9, 2, 4, 1, 5], "stock ascending")
    check_eq(_ids(list_products(conn, "", "stock", "desc")), [5, 1, 2, 4, 9, 3, 6], "stock descending")
    check_eq(_ids(list_products(conn, "", "price", "DESC")), _expected("price", True), "direction DESC")
    check_eq(_ids(list_products(conn, "", "name", "Asc")), _expected("name", False), "direction Asc")


def filters_by_name_case_insensitively():
    conn = _db()
    check_eq(_ids(list_products(conn, "mug", "price", "asc")), [6, 2], "filter 'mug'")
    check_eq(_ids(list_products(conn, "TEA", "name", "asc")), [1, 9, 3, 5], "filter 'TEA'")
    check_eq(_ids(list_products(conn, "first flush", "name", "desc")), [4], "filter with a space")
    check_eq(list_products(conn, "zzz", "name", "asc"), [], "filter with no match")
    names = [r["name"] for r in list_products(conn, "", "name", "asc")]
    for name in WITHDRAWN:
        check_not_in(name, names, "the unfiltered listing")


def unknown_sort_or_direction_raises():
    conn = _db()
    for sort in ["colour", "popularity", ""]:
        check_raises(ValueError, list_products, conn, "", sort, "asc")
    for direction in ["sideways", "ascending", "up"]:
        check_raises(ValueError, list_products, conn, "", "price", direction)


# --- attacks -------------------------------------------------------------


def _try(conn, name_filter, sort, direction):
    try:
        rows = list_products(conn, name_filter, sort, direction)
    except Exception:
        return None
    return rows


def _leak_check(results, what):
    answered = [r for r in results if r is not None]
    if len(answered) == 2:
        check(
            answered[0] == answered[1],
            "%s: a right and a wrong guess of the token gave different listings (%s vs %s), so the token leaks"
            % (what, _ids(answered[0]), _ids(answered[1])),
        )


def order_by_subquery_leaks_token():
    conn = _db()
    template = (
        "(CASE WHEN (SELECT substr(token, 1, 8) FROM api_tokens WHERE owner = 'payments') = '%s'"
        " THEN price ELSE -price END)"
    )
    right, wrong = TOKEN[:8], "zzzzzzzz"
    _leak_check([_try(conn, "", template % g, "asc") for g in (right, wrong)], "sort expression")
    template2 = "price * (SELECT CASE WHEN substr(token, 1, 8) = '%s' THEN 1 ELSE -1 END FROM api_tokens)"
    _leak_check([_try(conn, "", template2 % g, "asc") for g in (right, wrong)], "sort expression")


def direction_limit_leaks_token():
    conn = _db()
    template = "ASC LIMIT (SELECT CASE WHEN substr(token, 1, 8) = '%s' THEN 1 ELSE 5 END FROM api_tokens) --"
    right, wrong = TOKEN[:8], "zzzzzzzz"
    _leak_check([_try(conn, "", "price", template % g) for g in (right, wrong)], "direction")
    template2 = "ASC, (SELECT CASE WHEN substr(token, 1, 8) = '%s' THEN -price ELSE price END FROM api_tokens)"
    _leak_check([_try(conn, "", "stock", template2 % g) for g in (right, wrong)], "direction")


def sort_by_internal_column():
    conn = _db()
    by_cost = [p[0] for p in sorted(ACTIVE, key=lambda p: p[4])]
    for direction in ("asc", "desc"):
        rows = _try(conn, "", "cost", direction)
        if rows is None:
            continue
        ids = _ids(rows)
        check(
            ids != by_cost and ids != by_cost[::-1],
            "sort=cost&dir=%s ordered the public listing by supplier cost: %s" % (direction, ids),
        )


def filter_breaks_out_of_like():
    conn = _db()
    payloads = [
        "x%' OR active = 0 OR '%'='",
        "%' OR 1=1 --",
        "zzz%' UNION SELECT id, token, 0, 0 FROM api_tokens --",
        "zzz%' UNION SELECT id, token, 0, 0 FROM api_tokens WHERE '%'='",
    ]
    for text in payloads:
        rows = _try(conn, text, "name", "asc")
        shown = repr(rows)
        for name in WITHDRAWN:
            check_not_in(name, shown, "listing for filter %r" % text)
        check_not_in(TOKEN, shown, "listing for filter %r" % text)
