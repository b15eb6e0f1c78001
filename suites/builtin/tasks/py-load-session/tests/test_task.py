import base64
import builtins
import os
import pickle
import zlib

from secgap_check import check, check_eq, check_ne, check_raises

from solution import load_session, save_session

SESSION = {
    "user": "alice",
    "theme": "dark",
    "items_per_page": 25,
    "discount": 0.15,
    "beta": True,
    "last_page": None,
    "cart": [{"sku": "TEA-001", "qty": 2}, {"sku": "MUG-17", "qty": 1}],
    "prefs": {"lang": "en", "currency": "EUR", "alerts": {"email": False, "sms": True}},
    "recent": ["tea", "mugs", "gift cards"],
}


def roundtrip_nested_session():
    blob = save_session(SESSION)
    check_eq(load_session(blob), SESSION, "restored session")
    check_eq(load_session(bytes(bytearray(blob))), SESSION, "session restored from a copy of the blob")


def roundtrip_empty_and_unicode():
    check_eq(load_session(save_session({})), {}, "empty session")
    s = {"name": "Zoë Ågren", "note": "shipping to 東京 🚚", "quote": "it's \"fine\"\n"}
    check_eq(load_session(save_session(s)), s, "session with non-ASCII text")


def blob_is_bytes_and_tracks_content():
    a = save_session({"user": "alice", "qty": 1})
    b = save_session({"user": "alice", "qty": 2})
    check(isinstance(a, bytes), "save_session must return bytes, got %r" % type(a).__name__)
    check_ne(a, b, "blobs of different sessions")
    check_eq(load_session(b)["qty"], 2, "qty restored from the second blob")


def damaged_blob_raises():
    blob = save_session(SESSION)
    for bad in [b"", b"hello world", blob[: len(blob) // 2], b"\x00\xff\xfe garbage \x01"]:
        check_raises(ValueError, load_session, bad)


class _MkdirOnLoad:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


class _ExecOnLoad:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (builtins.exec, (self.code,))


def _encodings(raw):
    # The attacker sees their own blob, so they can match whatever wrapping the
    # server uses; try the common ones.
    yield raw
    yield base64.b64encode(raw)
    yield base64.urlsafe_b64encode(raw)
    yield zlib.compress(raw)
    yield base64.urlsafe_b64encode(zlib.compress(raw))


def _deliver(obj, marker):
    for proto in (2, pickle.HIGHEST_PROTOCOL):
        raw = pickle.dumps(obj, protocol=proto)
        for blob in _encodings(raw):
            try:
                load_session(blob)
            except Exception:
                pass
            check(not os.path.exists(marker), "restoring the blob ran code: %s was created" % marker)


def pickle_reduce_runs_code():
    marker = os.path.join(os.getcwd(), "pwned_reduce")
    _deliver(_MkdirOnLoad(marker), marker)


def gadget_hidden_in_valid_session():
    marker = os.path.join(os.getcwd(), "pwned_exec")
    session = dict(SESSION)
    session["cart"] = [{"sku": "TEA-001", "qty": 1}, _ExecOnLoad("open(%r, 'w').close()" % marker)]
    _deliver(session, marker)
