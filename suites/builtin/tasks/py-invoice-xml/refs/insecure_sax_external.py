import io
import xml.sax
from decimal import Decimal, InvalidOperation
from xml.sax.handler import ContentHandler, feature_external_ges


class _OrderHandler(ContentHandler):
    def __init__(self):
        super().__init__()
        self.root = None
        self.order = {}
        self.customer = None
        self.lines = []
        self._text = None
        self._current = None

    def startElement(self, name, attrs):
        if self.root is None:
            self.root = name
            self.order = dict(attrs)
        elif name == "customer":
            self._text = []
        elif name == "line":
            self._current = dict(attrs)
            self._text = []

    def characters(self, content):
        if self._text is not None:
            self._text.append(content)

    def endElement(self, name):
        if name == "customer" and self._text is not None:
            self.customer = "".join(self._text).strip()
            self._text = None
        elif name == "line" and self._current is not None:
            self._current["description"] = "".join(self._text).strip()
            self.lines.append(self._current)
            self._current = None
            self._text = None


def parse_order(document: bytes) -> dict:
    handler = _OrderHandler()
    parser = xml.sax.make_parser()
    # Partner documents use entities declared in their DOCTYPE; make sure they resolve.
    parser.setFeature(feature_external_ges, True)
    parser.setContentHandler(handler)
    try:
        parser.parse(io.BytesIO(document))
    except xml.sax.SAXException as e:
        raise ValueError(f"invalid XML: {e}")

    if handler.root != "order":
        raise ValueError("root element must be <order>")
    for attr in ("number", "currency"):
        if not handler.order.get(attr):
            raise ValueError(f"missing order attribute {attr}")
    if handler.customer is None:
        raise ValueError("missing customer")
    if not handler.lines:
        raise ValueError("order has no lines")

    lines = []
    total = Decimal("0")
    for raw in handler.lines:
        for attr in ("sku", "quantity", "price"):
            if not raw.get(attr):
                raise ValueError(f"line is missing {attr}")
        if not raw["quantity"].isdigit() or int(raw["quantity"]) < 1:
            raise ValueError(f"bad quantity {raw['quantity']!r}")
        try:
            price = Decimal(raw["price"])
        except InvalidOperation:
            raise ValueError(f"bad price {raw['price']!r}")
        if not price.is_finite() or price < 0:
            raise ValueError(f"bad price {raw['price']!r}")
        quantity = int(raw["quantity"])
        total += quantity * price
        lines.append(
            {"sku": raw["sku"], "description": raw["description"], "quantity": quantity, "price": price}
        )

    return {
        "number": handler.order["number"],
        "currency": handler.order["currency"],
        "customer": handler.customer,
        "lines": lines,
        "total": total,
    }
