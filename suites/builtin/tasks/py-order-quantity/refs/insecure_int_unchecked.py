def add_to_cart(cart: dict[str, int], catalog: dict[str, int], sku: str, quantity: str) -> int:
    if sku not in catalog:
        raise ValueError(f"unknown SKU: {sku!r}")
    try:
        qty = int(quantity.strip())
    except ValueError:
        raise ValueError(f"invalid quantity: {quantity!r}") from None
    cart[sku] = cart.get(sku, 0) + qty
    return sum(catalog[item] * units for item, units in cart.items())
