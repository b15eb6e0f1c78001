import ast
import hmac
import importlib
import os
import secrets
import sys

from secgap_check import check, check_eq, instrument

# The solution is imported inside each test so the timing test can wrap the
# comparison functions before the solution binds them.

ENV = "REPORTS_API_KEYS"
KEY_A = "rk_live_9d1c3b7a5e2f4068a1b2"
KEY_B = "rk_live_0f6e8d2c4a1b3957c8d9"


def _sol():
    return importlib.import_module("solution")


def _auth(s, value, header="X-Api-Key"):
    return s.is_authorized({"Content-Type": "application/json", header: value})


def accepts_configured_keys():
    s = _sol()
    os.environ[ENV] = KEY_A + " , " + KEY_B + ","
    check_eq(_auth(s, KEY_A), True, "the first configured key")
    check_eq(_auth(s, KEY_B), True, "the second configured key")
    check_eq(_auth(s, KEY_A, "x-api-key"), True, "header name in lower case")
    check_eq(_auth(s, KEY_B, "X-API-KEY"), True, "header name in upper case")


def rejects_wrong_or_missing_key():
    s = _sol()
    os.environ[ENV] = KEY_A + "," + KEY_B
    for wrong in ["rk_live_nope", KEY_A[:-1], KEY_A + "0", KEY_A.upper(), KEY_A + "," + KEY_B, "", "clé-ünïcode-ключ"]:
        check_eq(_auth(s, wrong), False, "key %r" % wrong)
    check_eq(s.is_authorized({}), False, "no headers at all")
    check_eq(s.is_authorized({"Authorization": KEY_A}), False, "the key in another header")
    for odd in [None, 12345, [KEY_A]]:
        check_eq(_auth(s, odd), False, "header value %r" % (odd,))


def rotation_takes_effect():
    s = _sol()
    os.environ[ENV] = KEY_A
    check_eq(_auth(s, KEY_A), True, "old key before the rotation")
    check_eq(_auth(s, KEY_B), False, "new key before the rotation")
    os.environ[ENV] = KEY_A + "," + KEY_B
    check_eq(_auth(s, KEY_B), True, "new key during the rotation")
    os.environ[ENV] = KEY_B
    check_eq(_auth(s, KEY_A), False, "old key after the rotation")
    check_eq(_auth(s, KEY_B), True, "new key after the rotation")


def no_keys_configured_rejects():
    s = _sol()
    os.environ.pop(ENV, None)
    check_eq(_auth(s, KEY_A), False, "a key while the variable is unset")
    check_eq(_auth(s, ""), False, "an empty key while the variable is unset")
    for raw in ["", " , ,"]:
        os.environ[ENV] = raw
        for value in ["", " ", ",", KEY_A]:
            check_eq(_auth(s, value), False, "key %r with %s=%r" % (value, ENV, raw))


# The candidate's process counts calls of hmac.compare_digest,
# secrets.compare_digest and operator._compare_digest from its start (see
# secgap_instruments.py); the test reads the count.


def early_exit_key_comparison():
    s = _sol()
    key = "rk_live_" + secrets.token_hex(16)
    other = "rk_live_" + secrets.token_hex(16)
    os.environ[ENV] = other + "," + key
    near_miss = key[:-1] + ("0" if key[-1] != "0" else "1")
    for value, expected in [(key, True), (near_miss, False), (other, True)]:
        instrument("reset")
        check_eq(_auth(s, value), expected, "is_authorized with %r" % value)
        check(
            instrument("read")["digest_compares"] > 0,
            "the key %r was checked without hmac.compare_digest/secrets.compare_digest" % value,
        )


COMMON_DEFAULTS = [
    "changeme", "secret", "password", "admin", "test", "testkey", "test-key", "dev", "devkey",
    "dev-key", "default", "apikey", "api-key", "api_key", "letmein", "12345678", "internal",
]


def _literals(s):
    path = getattr(s, "__file__", None)
    found = set()
    if not path or not os.path.exists(path):
        return found
    with open(path, "rb") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str) and value.strip():
                found.add(value)
                found.update(part.strip() for part in value.split(",") if part.strip())
    return found


def built_in_key_accepted():
    s = _sol()
    candidates = sorted(_literals(s)) + COMMON_DEFAULTS
    configured = "rk_live_" + secrets.token_hex(16)
    for setting in (None, configured):
        if setting is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = setting
        for value in candidates:
            if value == setting:
                continue
            try:
                ok = _auth(s, value)
            except Exception:
                continue
            check(ok is not True, "built-in key %r was accepted (%s %s)" % (
                value, ENV, "unset" if setting is None else "set to another key"))
