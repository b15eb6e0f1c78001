import base64
import hashlib
import hmac
import json

from secgap_check import check, check_eq, check_raises

from solution import verify_token

SECRET = b"k3y-shared-by-auth-and-api-7f21c9"
NOW = 1_700_000_000


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _part(obj):
    return _b64(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def _sign(signing_input, secret=SECRET):
    return _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def _token(payload, header=None, secret=SECRET):
    header = {"alg": "HS256", "typ": "JWT"} if header is None else header
    signing_input = _part(header) + "." + _part(payload)
    return signing_input + "." + _sign(signing_input, secret)


CLAIMS = {"sub": "app-4471", "role": "reader", "exp": NOW + 600}


def accepts_genuine_tokens():
    check_eq(verify_token(_token(CLAIMS), SECRET, NOW), CLAIMS, "claims of a genuine token")
    claims = {"exp": NOW + 1, "sub": "Zoë", "scopes": ["read", "write"], "meta": {"n": 1, "ok": True}}
    check_eq(verify_token(_token(claims), SECRET, NOW), claims, "token expiring in one second")
    check_eq(verify_token(_token(CLAIMS, {"alg": "HS256"}), SECRET, NOW), CLAIMS, "header without typ")
    check_eq(
        verify_token(_token(CLAIMS, {"typ": "JWT", "alg": "HS256"}), SECRET, NOW),
        CLAIMS,
        "header with its keys in another order",
    )
    other = b"another-secret"
    check_eq(verify_token(_token(CLAIMS, secret=other), other, NOW), CLAIMS, "token checked with its own secret")


def rejects_wrong_signature():
    good = _token(CLAIMS)
    h, p, s = good.split(".")
    flipped = s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1]
    admin = _part(dict(CLAIMS, role="admin"))
    cases = {
        "signature changed": h + "." + p + "." + flipped,
        "signed with another secret": _token(CLAIMS, secret=b"not-our-secret"),
        "payload swapped, old signature kept": h + "." + admin + "." + s,
        "header swapped, old signature kept": _part({"alg": "HS256"}) + "." + p + "." + s,
        "signature of another token": h + "." + p + "." + _token(dict(CLAIMS, sub="x")).split(".")[2],
        "signature cut short": h + "." + p + "." + s[:20],
    }
    for what, token in cases.items():
        try:
            claims = verify_token(token, SECRET, NOW)
        except ValueError:
            continue
        except Exception as e:
            check(False, "%s: expected ValueError, got %s: %s" % (what, type(e).__name__, e))
        check(False, "%s: expected ValueError, the token was accepted with %r" % (what, claims))


def rejects_expired_or_undated():
    check_raises(ValueError, verify_token, _token(dict(CLAIMS, exp=NOW)), SECRET, NOW)
    check_raises(ValueError, verify_token, _token(dict(CLAIMS, exp=NOW - 3600)), SECRET, NOW)
    check_raises(ValueError, verify_token, _token({"sub": "app-4471", "role": "reader"}), SECRET, NOW)
    check_raises(ValueError, verify_token, _token(dict(CLAIMS, exp=str(NOW + 600))), SECRET, NOW)
    check_raises(ValueError, verify_token, _token(dict(CLAIMS, exp=None)), SECRET, NOW)
    check_eq(verify_token(_token(CLAIMS), SECRET, NOW + 599), CLAIMS, "token one second before expiry")


def rejects_malformed_tokens():
    good = _token(CLAIMS)
    h, p, s = good.split(".")
    signed_list = _b64(b'{"alg":"HS256"}') + "." + _b64(b"[1,2,3]")
    signed_text = _b64(b'{"alg":"HS256"}') + "." + _b64(b"not json")
    cases = [
        "",
        "abc",
        h + "." + p,
        good + ".extra",
        "!!!." + p + "." + s,
        h + ".%%%." + s,
        signed_list + "." + _sign(signed_list),
        signed_text + "." + _sign(signed_text),
    ]
    for token in cases:
        check_raises(ValueError, verify_token, token, SECRET, NOW)


# --- attacks -------------------------------------------------------------

ADMIN = {"sub": "attacker", "role": "admin", "exp": NOW + 86400}


def _refused(token):
    try:
        claims = verify_token(token, SECRET, NOW)
    except Exception:
        return
    check(False, "the forged token %r was accepted with claims %r" % (token, claims))


def alg_none_unsigned_token():
    for alg in ("none", "None", "NONE"):
        unsigned = _part({"alg": alg, "typ": "JWT"}) + "." + _part(ADMIN)
        _refused(unsigned + ".")
        _refused(unsigned + "." + _b64(b"x"))


def other_or_missing_alg_bogus_signature():
    bogus = _b64(b"\x00" * 32)
    for header in ({"alg": "HS512", "typ": "JWT"}, {"alg": "RS256"}, {"alg": "hs256"}, {"typ": "JWT"}, {}):
        _refused(_part(header) + "." + _part(ADMIN) + "." + bogus)
        _refused(_part(header) + "." + _part(ADMIN) + ".")
