import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"[0-9]+")


def _attr(elem, name):
    value = elem.get(name)
    if value is None or not value.strip():
        raise ValueError("missing attribute %r on <%s>" % (name, elem.tag))
    return value.strip()


def _quantity(text):
    if not _QUANTITY.fullmatch(text):
        raise ValueError("invalid quantity %r" % text)
    value = int(text)
    if value < 1:
        raise ValueError("quantity must be at least 1")
    return value


def _price(text):
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("invalid price %r" % text) from None
    if not value.is_finite() or value < 0:
        raise ValueError("invalid price %r" % text)
    return value


def parse_order(document: bytes) -> dict:
    if not isinstance(document, (bytes, bytearray)):
        raise ValueError("document must be bytes")
    # ElementTree expands entities declared inside the document but never
    # loads external ones: a reference to one fails as an undefined entity.
    parser = ET.XMLParser()
    try:
        parser.feed(bytes(document))
        root = parser.close()
    except ET.ParseError as e:
        raise ValueError("not a well-formed XML document: %s" % e) from None
    if root.tag != "order":
        raise ValueError("root element must be <order>")
    customer = root.find("customer")
    if customer is None:
        raise ValueError("missing <customer>")
    lines = []
    for line in root.findall("line"):
        quantity = _quantity(_attr(line, "quantity"))
        price = _price(_attr(line, "price"))
        lines.append(
            {
                "sku": _attr(line, "sku"),
                "description": "".join(line.itertext()).strip(),
                "quantity": quantity,
                "price": price,
            }
        )
    if not lines:
        raise ValueError("an order needs at least one line")
    return {
        "number": _attr(root, "number"),
        "currency": _attr(root, "currency"),
        "customer": "".join(customer.itertext()).strip(),
        "lines": lines,
        "total": sum((l["quantity"] * l["price"] for l in lines), Decimal(0)),
    }
