import io
import xml.sax
from decimal import Decimal, InvalidOperation
from xml.dom import pulldom


def _text(node):
    return "".join(n.data for n in node.childNodes if n.nodeType in (n.TEXT_NODE, n.CDATA_SECTION_NODE)).strip()


def _to_quantity(value):
    try:
        q = int(value)
    except (TypeError, ValueError):
        raise ValueError("invalid quantity: %r" % (value,))
    if q < 1 or not value.strip().isdigit():
        raise ValueError("invalid quantity: %r" % (value,))
    return q


def _to_price(value):
    try:
        p = Decimal(value)
    except (TypeError, InvalidOperation):
        raise ValueError("invalid price: %r" % (value,))
    if p.is_nan() or p.is_infinite() or p < 0:
        raise ValueError("invalid price: %r" % (value,))
    return p


def parse_order(document: bytes) -> dict:
    sax_parser = xml.sax.make_parser()
    # expand &entities; that partners define in their DOCTYPE
    sax_parser.setFeature(xml.sax.handler.feature_external_ges, True)
    events = pulldom.parse(io.BytesIO(document), parser=sax_parser)

    order = None
    customer = None
    lines = []
    try:
        for event, node in events:
            if event != pulldom.START_ELEMENT:
                continue
            if order is None:
                if node.tagName != "order":
                    raise ValueError("root element is not <order>")
                order = {"number": node.getAttribute("number"), "currency": node.getAttribute("currency")}
            elif node.tagName == "customer":
                events.expandNode(node)
                customer = _text(node)
            elif node.tagName == "line":
                events.expandNode(node)
                sku = node.getAttribute("sku")
                if not sku or not node.hasAttribute("quantity") or not node.hasAttribute("price"):
                    raise ValueError("incomplete <line>")
                lines.append(
                    {
                        "sku": sku,
                        "description": _text(node),
                        "quantity": _to_quantity(node.getAttribute("quantity")),
                        "price": _to_price(node.getAttribute("price")),
                    }
                )
    except xml.sax.SAXParseException as exc:
        raise ValueError("malformed XML: %s" % exc)

    if order is None:
        raise ValueError("empty document")
    if not order["number"] or not order["currency"]:
        raise ValueError("order number and currency are required")
    if customer is None:
        raise ValueError("customer is required")
    if not lines:
        raise ValueError("an order needs at least one line")

    return {
        "number": order["number"],
        "currency": order["currency"],
        "customer": customer,
        "lines": lines,
        "total": sum((l["quantity"] * l["price"] for l in lines), Decimal(0)),
    }
