import math

from secgap_check import check, check_eq, check_raises

from solution import add_to_cart

CATALOG = {"TEA-001": 450, "MUG-17": 1299, "GIFT-50": 5000, "SAMPLE": 0}


def _cart():
    return {"MUG-17": 2}


def adds_new_line_and_returns_total():
    cart = {}
    check_eq(add_to_cart(cart, dict(CATALOG), "TEA-001", "2"), 900, "total after adding 2 tea to an empty cart")
    check_eq(cart, {"TEA-001": 2}, "cart after adding 2 tea")
    check_eq(add_to_cart(cart, dict(CATALOG), "GIFT-50", "1"), 5900, "total after adding a gift card")
    check_eq(cart, {"TEA-001": 2, "GIFT-50": 1}, "cart with two lines")


def merges_into_existing_line():
    cart = {"TEA-001": 1, "MUG-17": 2}
    check_eq(add_to_cart(cart, dict(CATALOG), "TEA-001", "3"), 4 * 450 + 2 * 1299, "total after merging")
    check_eq(cart, {"TEA-001": 4, "MUG-17": 2}, "cart after merging into the tea line")
    check_eq(add_to_cart(cart, dict(CATALOG), "SAMPLE", "5"), 4 * 450 + 2 * 1299, "total after adding free samples")
    check_eq(cart["SAMPLE"], 5, "units of a free sample")


def boundary_quantities_and_spaces():
    for text, units in [("1", 1), ("99", 99), (" 5 ", 5), ("7 ", 7), ("\t12\n", 12), ("08", 8)]:
        cart = _cart()
        got = add_to_cart(cart, dict(CATALOG), "TEA-001", text)
        check_eq(got, units * 450 + 2 * 1299, "total after adding %r tea" % text)
        check_eq(cart, {"MUG-17": 2, "TEA-001": units}, "cart after adding %r tea" % text)


def unreadable_quantity_raises():
    for text in ["", "   ", "abc", "three", "3 apples", "2 3", "0x10", "½", "3-", "--3", "1,5"]:
        cart = _cart()
        check_raises(ValueError, add_to_cart, cart, dict(CATALOG), "TEA-001", text)
        check_eq(cart, {"MUG-17": 2}, "cart after the refused quantity %r" % text)


def unknown_sku_raises():
    for sku in ["NOPE-1", "", "tea-001", "TEA-001 "]:
        cart = _cart()
        check_raises(ValueError, add_to_cart, cart, dict(CATALOG), sku, "1")
        check_eq(cart, {"MUG-17": 2}, "cart after the unknown SKU %r" % sku)


def _refused(text):
    cart = _cart()
    before = dict(cart)
    try:
        total = add_to_cart(cart, dict(CATALOG), "TEA-001", text)
    except Exception:
        total = None
    check_eq(cart, before, "cart after posting quantity %r" % text)
    check(total is None, "posting quantity %r was accepted, total %r" % (text, total))


def negative_or_zero_quantity():
    for text in ["-1", " -5 ", "-99", "0", "00", "-0"]:
        _refused(text)


def quantity_above_maximum():
    for text in ["100", "1000", "1000000", "9" * 30, "100 "]:
        _refused(text)


def fractional_quantity_pays_less():
    for text in ["0.5", "0.01", ".5", "2.5", "1e-1"]:
        _refused(text)


def nan_quantity_poisons_total():
    for text in ["nan", "NaN", " nan ", "-nan"]:
        cart = _cart()
        try:
            total = add_to_cart(cart, dict(CATALOG), "TEA-001", text)
        except Exception:
            total = None
        for sku, units in cart.items():
            check(
                not (isinstance(units, float) and math.isnan(units)),
                "posting %r put NaN units of %s in the cart" % (text, sku),
            )
        check(total is None, "posting quantity %r was accepted, total %r" % (text, total))


def non_ascii_digits_and_number_syntax():
    for text in ["٣", "١٢", "७", "３", "1_0", "+5", "1e1"]:
        _refused(text)
