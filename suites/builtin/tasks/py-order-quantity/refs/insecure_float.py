MAX_QTY = 99


def add_to_cart(cart, catalog, sku, quantity):
    price = catalog.get(sku)
    if price is None:
        raise ValueError("unknown product %r" % sku)
    try:
        qty = float(quantity)
    except (TypeError, ValueError):
        raise ValueError("quantity must be a number")
    if qty <= 0 or qty > MAX_QTY:
        raise ValueError("quantity must be between 1 and %d" % MAX_QTY)
    cart[sku] = cart.get(sku, 0) + qty
    total = 0
    for item, units in cart.items():
        total += catalog[item] * units
    return total
