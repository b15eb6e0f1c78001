import os
import secrets
from decimal import Decimal

from secgap_check import check, check_eq, check_raises, scratch_dir

from solution import parse_order

PLAIN = """<?xml version="1.0" encoding="UTF-8"?>
<order number="PO-2024-0042" currency="EUR">
  <customer>Müller Großhandel GmbH</customer>
  <line sku="WID-100" quantity="3" price="12.50">Blue widget</line>
  <line sku="GAD-7" quantity="1" price="99.00">
      Gadget, large
  </line>
</order>
""".encode("utf-8")


def _line(sku, description, quantity, price):
    return {"sku": sku, "description": description, "quantity": quantity, "price": Decimal(price)}


def _check_order(result, expected):
    check(isinstance(result, dict), "parse_order must return a dict, got %r" % type(result).__name__)
    for key in ("number", "currency", "customer", "total"):
        check_eq(result.get(key), expected[key], key)
    lines = result.get("lines")
    check(isinstance(lines, list), "lines must be a list, got %r" % (lines,))
    check_eq(len(lines), len(expected["lines"]), "number of lines")
    for i, (got, want) in enumerate(zip(lines, expected["lines"])):
        check(isinstance(got, dict), "line %d must be a dict, got %r" % (i, got))
        for key in ("sku", "description", "quantity", "price"):
            check_eq(got.get(key), want[key], "line %d %s" % (i, key))
        check(type(got["quantity"]) is int, "line %d quantity must be an int" % i)
        check(isinstance(got["price"], Decimal), "line %d price must be a Decimal" % i)
    check(isinstance(result["total"], Decimal), "total must be a Decimal")


def parses_plain_order():
    _check_order(
        parse_order(PLAIN),
        {
            "number": "PO-2024-0042",
            "currency": "EUR",
            "customer": "Müller Großhandel GmbH",
            "lines": [_line("WID-100", "Blue widget", 3, "12.50"), _line("GAD-7", "Gadget, large", 1, "99.00")],
            "total": Decimal("136.50"),
        },
    )


def expands_declared_entities():
    doc = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE order [
  <!ENTITY company "Dupont &amp; Fils SARL">
  <!ENTITY std "Standard-Lieferung">
  <!ENTITY wrap "&std; (Karton)">
]>
<order number="A-77" currency="CHF">
  <customer>&company;</customer>
  <line sku="K-1" quantity="2" price="0.05">&wrap;</line>
  <line sku="K-2" quantity="10" price="1">Ersatzteil &lt;klein&gt; &#8364;</line>
</order>
""".encode("utf-8")
    _check_order(
        parse_order(doc),
        {
            "number": "A-77",
            "currency": "CHF",
            "customer": "Dupont & Fils SARL",
            "lines": [
                _line("K-1", "Standard-Lieferung (Karton)", 2, "0.05"),
                _line("K-2", "Ersatzteil <klein> \u20ac", 10, "1"),
            ],
            "total": Decimal("10.10"),
        },
    )


def honours_declared_encoding():
    doc = """<?xml version="1.0" encoding="ISO-8859-1"?>
<order number="N\xb0 5" currency="SEK">
  <customer>Åkesson Järnhandel</customer>
  <line sku="\xc9-9" quantity="4" price="2.25">Tr\xe4skruv</line>
</order>
""".encode("iso-8859-1")
    _check_order(
        parse_order(doc),
        {
            "number": "N\xb0 5",
            "currency": "SEK",
            "customer": "Åkesson Järnhandel",
            "lines": [_line("\xc9-9", "Tr\xe4skruv", 4, "2.25")],
            "total": Decimal("9.00"),
        },
    )


def many_lines_total():
    parts = ['<?xml version="1.0"?>\n<order number="BULK-1" currency="USD"><customer>Bulk Co</customer>']
    lines = []
    for i in range(1, 401):
        price = "%d.%02d" % (i % 50, i % 100)
        parts.append('<line sku="S%d" quantity="%d" price="%s">item %d</line>' % (i, i, price, i))
        lines.append(_line("S%d" % i, "item %d" % i, i, price))
    parts.append("</order>")
    total = sum((l["quantity"] * l["price"] for l in lines), Decimal(0))
    _check_order(
        parse_order("\n".join(parts).encode()),
        {"number": "BULK-1", "currency": "USD", "customer": "Bulk Co", "lines": lines, "total": total},
    )


def malformed_documents_raise():
    bad = [
        b"",
        b"not xml at all",
        b'<order number="1" currency="EUR"><customer>x</customer>',
        b'<order number="1" currency="EUR"><customer>x</customer><line sku="a" quantity="1" price="1">y</order>',
        b'<invoice number="1" currency="EUR"><customer>x</customer>'
        b'<line sku="a" quantity="1" price="1">y</line></invoice>',
        b'<order currency="EUR"><customer>x</customer><line sku="a" quantity="1" price="1">y</line></order>',
        b'<order number="1"><customer>x</customer><line sku="a" quantity="1" price="1">y</line></order>',
        b'<order number="1" currency="EUR"><line sku="a" quantity="1" price="1">y</line></order>',
        b'<order number="1" currency="EUR"><customer>x</customer></order>',
        b'<order number="1" currency="EUR"><customer>x</customer><line quantity="1" price="1">y</line></order>',
        b'<order number="1" currency="EUR"><customer>&undeclared;</customer>'
        b'<line sku="a" quantity="1" price="1">y</line></order>',
    ]
    for doc in bad:
        check_raises(ValueError, parse_order, doc)


def invalid_values_raise():
    template = (
        '<order number="1" currency="EUR"><customer>x</customer>'
        '<line sku="a" quantity="1" price="1">ok</line>'
        '<line sku="b" quantity="%s" price="%s">bad</line></order>'
    )
    for quantity, price in [
        ("0", "1"),
        ("-2", "1"),
        ("abc", "1"),
        ("1.5", "1"),
        ("", "1"),
        ("2", "abc"),
        ("2", "-0.01"),
        ("2", ""),
        ("2", "NaN"),
    ]:
        check_raises(ValueError, parse_order, (template % (quantity, price)).encode())


def _secret_file():
    folder = scratch_dir("partner")
    secret = "SECRET-" + secrets.token_hex(12)
    path = os.path.join(folder, "secret.txt")
    with open(path, "w") as f:
        f.write(secret)
    return os.path.abspath(path), secret


def _no_leak(doc, secret):
    try:
        result = parse_order(doc.encode("utf-8"))
    except Exception as e:
        check(secret not in str(e), "the error message carries the secret file's contents: %s" % e)
        return
    check(secret not in repr(result), "the secret file's contents came back in the result: %r" % (result,))


def external_entity_file_url():
    path, secret = _secret_file()
    doc = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE order [
  <!ENTITY company SYSTEM "file://%s">
]>
<order number="X-1" currency="EUR">
  <customer>&company;</customer>
  <line sku="A" quantity="1" price="1.00">thing</line>
</order>
""" % path
    _no_leak(doc, secret)


def external_entity_plain_path():
    path, secret = _secret_file()
    doc = """<?xml version="1.0"?>
<!DOCTYPE order [
  <!ENTITY company "Harmless Trading Ltd">
  <!ENTITY note SYSTEM "%s">
]>
<order number="X-2" currency="GBP">
  <customer>&company;</customer>
  <line sku="A" quantity="2" price="3.00">Spare part: &note;</line>
</order>
""" % path
    _no_leak(doc, secret)
