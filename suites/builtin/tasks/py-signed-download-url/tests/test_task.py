import base64
import hashlib
import hmac
import importlib
import re
import secrets

from secgap_check import check, check_eq, check_ne, instrument

import hashext

# The solution is imported inside each test, so that the timing test can wrap
# the comparison functions before the solution binds them.

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
T = 1717003600
PATHS = [
    b"invoices/2024/INV-0042.pdf",
    b"shared/Quarterly report Q1 (final).xlsx",
    "photos/Zoë & Łukasz/été 2023.jpg".encode("utf-8"),
    b"archive/\xff\xfe legacy name \x81.txt",
    b"odd/name?with&query=chars%2F.bin",
    b"a",
]


def _sol():
    return importlib.import_module("solution")


def _key():
    return secrets.token_bytes(32)


def valid_link_verifies():
    s = _sol()
    key = _key()
    for path in PATHS:
        sig = s.sign_download(path, T, key)
        check(isinstance(sig, str), "sign_download must return a str, got %r" % (sig,))
        check(URL_SAFE.fullmatch(sig) is not None, "signature %r has characters other than letters, digits, - and _" % sig)
        check_eq(s.verify_download(path, T, sig, key, T - 3600), True, "verify of a fresh link to %r" % path)
    far = 4102444800
    sig = s.sign_download(PATHS[0], far, key)
    check_eq(s.verify_download(PATHS[0], far, sig, key, T), True, "verify of a link valid until 2100")


def expired_link_rejected():
    s = _sol()
    key = _key()
    sig = s.sign_download(PATHS[0], T, key)
    check_eq(s.verify_download(PATHS[0], T, sig, key, T - 1), True, "one second before expiry")
    check_eq(s.verify_download(PATHS[0], T, sig, key, T), False, "at the expiry time")
    check_eq(s.verify_download(PATHS[0], T, sig, key, T + 86400), False, "a day after expiry")


def other_path_or_secret_rejected():
    s = _sol()
    key = _key()
    sig = s.sign_download(b"invoices/2024/INV-0042.pdf", T, key)
    for other in [
        b"invoices/2024/INV-0043.pdf",
        b"invoices/2024/INV-0042.pdfx",
        b"invoices/2024/INV-0042.pd",
        b"INVOICES/2024/INV-0042.PDF",
        b"invoices/2024/../2024/INV-0042.pdf",
        b"",
    ]:
        check_eq(s.verify_download(other, T, sig, key, T - 60), False, "signature reused for path %r" % other)
    check_eq(s.verify_download(b"invoices/2024/INV-0042.pdf", T, sig, _key(), T - 60), False,
             "signature checked with another secret")
    check_eq(s.sign_download(b"invoices/2024/INV-0042.pdf", T, key) != s.sign_download(b"invoices/2024/INV-0042.pdf", T, _key()),
             True, "signatures made with two different secrets differ")


def altered_or_malformed_signature_rejected():
    s = _sol()
    key = _key()
    path = PATHS[0]
    sig = s.sign_download(path, T, key)
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    first = ("A" if sig[0] != "A" else "B") + sig[1:]
    for bad in [flipped, first, sig[::-1], "not-a-signature", "0" * len(sig), "ü" * len(sig), " " + sig[1:], "%00" * 8]:
        if bad == sig:
            continue
        try:
            got = s.verify_download(path, T, bad, key, T - 60)
        except Exception as e:
            check(False, "verify_download raised %s for signature %r instead of returning False" % (type(e).__name__, bad))
        check_eq(got, False, "verify with signature %r" % bad)


def _decode_sig(sig):
    """(digest bytes, encoder) for a hex or base64url signature, else None."""
    if re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", sig) and len(sig) // 2 in hashext.DIGEST_SIZES and len(sig) % 2 == 0:
        upper = sig.isupper()
        return bytes.fromhex(sig), (lambda d: d.hex().upper() if upper else d.hex())
    if re.fullmatch(r"[A-Za-z0-9_-]+", sig):
        try:
            raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
        except ValueError:
            return None
        if len(raw) in hashext.DIGEST_SIZES:
            padded = sig.endswith("=")
            return raw, (lambda d: base64.urlsafe_b64encode(d).decode().rstrip("" if padded else "="))
    return None


def length_extension_appends_to_path():
    # Make sure the extension code itself is right before trusting a pass.
    for fam in hashext.FAMILIES:
        glue, ext = hashext.extend(fam, hashlib.new(fam, b"k" * 32 + b"m" * 41).digest(), 73, b"/x")
        check_eq(ext, hashlib.new(fam, b"k" * 32 + b"m" * 41 + glue + b"/x").digest(), "self-check of %s extension" % fam)

    s = _sol()
    key = _key()
    path = b"invoices/2024/INV-0042.pdf"
    expires = T + 30 * 86400
    sig = s.sign_download(path, expires, key)
    decoded = _decode_sig(sig) if isinstance(sig, str) else None
    if decoded is None:
        return
    digest, encode = decoded
    family = hashext.DIGEST_SIZES[len(digest)]
    suffix = b"/../../payroll/2024-salaries.xlsx"
    # The signed message is secret + something + path; only its total length
    # matters. Try every plausible amount of framing around the expiry.
    base = len(path) + len(str(expires))
    for extra in range(0, 2 * len(key) + 64):
        total = base + extra
        glue, forged = hashext.extend(family, digest, total, suffix)
        forged_path = path + glue + suffix
        try:
            ok = s.verify_download(forged_path, expires, encode(forged), key, T)
        except Exception:
            ok = False
        check(ok is not True,
              "a signature computed without the key was accepted for the signed path + %d bytes of %s padding + %r: "
              "the signature is %s(secret + ... + path), so anything can be appended to a signed path"
              % (len(glue), family, suffix, family))


def expiry_pushed_forward():
    s = _sol()
    key = _key()
    path = b"shared/contract-draft.docx"
    sig = s.sign_download(path, T, key)
    later = T + 10 * 365 * 86400
    check_eq(s.verify_download(path, later, sig, key, T + 86400), False,
             "a genuine signature with the expiry changed to ten years later, opened after the real expiry")


def empty_or_truncated_signature():
    s = _sol()
    key = _key()
    path = b"invoices/2024/INV-0042.pdf"
    sig = s.sign_download(path, T, key)
    for short in ["", sig[:1], sig[: len(sig) // 2], sig[:-1]]:
        if short == sig:
            continue
        try:
            ok = s.verify_download(path, T, short, key, T - 60)
        except Exception:
            ok = False
        check(ok is not True, "a truncated signature %r (of %d characters) was accepted" % (short, len(sig)))


# The candidate's process counts calls of hmac.compare_digest and
# secrets.compare_digest from its start (see secgap_instruments.py).


def early_exit_signature_comparison():
    s = _sol()
    key = _key()
    path = PATHS[0]
    sig = s.sign_download(path, T, key)
    near = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    check_ne(near, sig, "near-miss signature")
    for value, expected in [(sig, True), (near, False)]:
        instrument("reset")
        check_eq(s.verify_download(path, T, value, key, T - 60), expected, "verify with %r" % value)
        check(instrument("read")["digest_compares"] > 0, "the signature %r was checked without hmac.compare_digest/secrets.compare_digest" % value)
