import base64
import hashlib
import importlib

from secgap_check import check, check_eq, check_ne, check_not_in, instrument

# The solution is imported inside each test, so the work-factor test can
# instrument hashlib before the solution binds any of its functions.


def _sol():
    return importlib.import_module("solution")


def verify_accepts_right_password():
    s = _sol()
    stored = s.hash_password("correct horse battery staple")
    check(isinstance(stored, str), "hash_password must return a str, got %r" % type(stored).__name__)
    check(stored != "", "hash_password returned an empty string")
    check_eq(s.verify_password("correct horse battery staple", stored), True, "verify with the right password")


def verify_rejects_wrong_password():
    s = _sol()
    stored = s.hash_password("Tr0ub4dor&3")
    for wrong in ["tr0ub4dor&3", "Tr0ub4dor&3 ", "Tr0ub4dor", ""]:
        check_eq(s.verify_password(wrong, stored), False, "verify with %r" % wrong)


def unicode_and_long_passwords():
    s = _sol()
    uni = "pässwörd-✓-密码"
    stored = s.hash_password(uni)
    check_eq(s.verify_password(uni, stored), True, "verify a non-ASCII password")
    check_eq(s.verify_password("passwörd-✓-密码", stored), False, "verify a near miss of a non-ASCII password")
    long_a = "a" * 100 + "-first"
    long_b = "a" * 100 + "-second"
    stored_long = s.hash_password(long_a)
    check_eq(s.verify_password(long_a, stored_long), True, "verify a 106-character password")
    check_eq(s.verify_password(long_b, stored_long), False, "long passwords that differ only after 100 characters")


def damaged_stored_value_is_false():
    s = _sol()
    stored = s.hash_password("hunter2hunter2")
    other = s.hash_password("something else")
    check_eq(s.verify_password("hunter2hunter2", other), False, "verify against another account's value")
    for damaged in ["", "garbage", stored[: len(stored) // 2], "$$$"]:
        try:
            got = s.verify_password("hunter2hunter2", damaged)
        except Exception as e:
            check(False, "verify_password raised %s on a damaged value %r" % (type(e).__name__, damaged))
        check_eq(got, False, "verify against damaged value %r" % damaged)


def identical_passwords_identical_records():
    s = _sol()
    first = s.hash_password("Summer2024!")
    second = s.hash_password("Summer2024!")
    check_ne(first, second, "stored values of two accounts with the same password")
    check_eq(s.verify_password("Summer2024!", first), True, "verify the first account")
    check_eq(s.verify_password("Summer2024!", second), True, "verify the second account")


_FAST = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s"]


def precomputed_digest_lookup():
    s = _sol()
    for password in ["letmein123", "Summer2024!"]:
        stored = s.hash_password(password)
        check_not_in(password, stored, "stored value")
        low = stored.lower()
        for name in _FAST:
            raw = hashlib.new(name, password.encode("utf-8")).digest()
            check_not_in(raw.hex(), low, "stored value holds the plain %s hex digest" % name)
            for enc in (base64.b64encode, base64.urlsafe_b64encode):
                text = enc(raw).decode().rstrip("=")
                check_not_in(text, stored, "stored value holds the plain %s base64 digest" % name)


MIN_PBKDF2_ITERATIONS = 100_000
MIN_SCRYPT_COST = 65_536
MIN_CHAINED_CALLS = 100_000
SLOW_CRYPT_PREFIXES = ("$5$", "$6$", "$2a$", "$2b$", "$2y$", "$y$", "$gy$", "$7$")


# The candidate's process notes, from its start, the largest PBKDF2
# iteration count and scrypt N*r*p it was asked for, how many hashlib
# constructors it called and whether crypt.crypt() produced a slow scheme
# (see secgap_instruments.py); the test zeroes and reads those notes.


def cheap_offline_guessing():
    instrument("reset")
    s = _sol()
    stored = s.hash_password("correct horse battery staple")
    check_eq(s.verify_password("correct horse battery staple", stored), True, "verify after hashing")
    o = instrument("read")
    seen = {"pbkdf2": o["pbkdf2_iterations"], "scrypt": o["scrypt_cost"],
            "calls": o["hash_constructor_calls"], "crypt": o["slow_crypt"]}
    slow = (
        seen["pbkdf2"] >= MIN_PBKDF2_ITERATIONS
        or seen["scrypt"] >= MIN_SCRYPT_COST
        or seen["calls"] >= MIN_CHAINED_CALLS
        or seen["crypt"]
    )
    check(
        slow,
        "hashing one password did little work: max PBKDF2 iterations %d, max scrypt N*r*p %d, "
        "%d hash constructor calls, slow crypt() scheme used: %s"
        % (seen["pbkdf2"], seen["scrypt"], seen["calls"], seen["crypt"]),
    )
