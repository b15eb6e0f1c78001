import re

MIN_UNITS = 1
MAX_UNITS = 99
_QUANTITY = re.compile(r"[0-9]{1,6}")


def add_to_cart(cart: dict[str, int], catalog: dict[str, int], sku: str, quantity: str) -> int:
    if not isinstance(sku, str) or sku not in catalog:
        raise ValueError("unknown product")
    if not isinstance(quantity, str):
        raise ValueError("quantity must be text")
    text = quantity.strip()
    if not _QUANTITY.fullmatch(text):
        raise ValueError("quantity must be a whole number written with 0-9")
    units = int(text)
    if not MIN_UNITS <= units <= MAX_UNITS:
        raise ValueError("quantity must be between %d and %d" % (MIN_UNITS, MAX_UNITS))
    cart[sku] = cart.get(sku, 0) + units
    return sum(catalog[item] * count for item, count in cart.items())
