"""Plain data between secgap's checker and the worker that runs a candidate.

A value crosses the pipe as JSON: None, bools, ints, floats, strs and lists
as themselves, every other type as an object with one tag key, for example
{"b": "<base64>"} for bytes or {"t": [...]} for a tuple. Encoding accepts
only exact built-in types (and a few standard ones: Decimal, datetime
values, pathlib paths); a subclass of one is copied into the base type by
the base type's own methods, so an overridden __eq__, __str__ or __bytes__
never travels. Decoding builds exact built-ins only and rejects anything
else, so what the checker compares is data it made itself.

Frames are an 8-byte big-endian length followed by the UTF-8 JSON text.
Both sides bind what they use when this module is imported.
"""

import binascii
import datetime
import json
import os
import sys

MAX_FRAME = 256 << 20


class WireError(Exception):
    """A value or a frame that cannot cross between checker and worker."""


_dumps = json.JSONEncoder(ensure_ascii=True, allow_nan=True, separators=(",", ":")).encode
_loads = json.JSONDecoder().decode
_b2a, _a2b = binascii.b2a_base64, binascii.a2b_base64
_read, _write = os.read, os.write
_int_from, _int_to = int.from_bytes, int.to_bytes

_DT, _DATE, _TIME, _TD, _TZ = (
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    datetime.timezone,
)
_modules = sys.modules


def _b64e(data):
    return _b2a(data, newline=False)


# decimal and pathlib are imported only when a value needs them (they
# cost more to import than the rest of this module): a value of their
# types exists only if its module is already loaded.
def _dec():
    import decimal

    return decimal


def _pathlib():
    import pathlib

    return pathlib

# A subclass of a built-in is copied into the built-in by the built-in's
# own code (never by a method the subclass could override).
_COPY = (
    (bool, bool),
    (int, int.__int__),
    (float, float.__float__),
    (str, str.__str__),
    (bytes, lambda v: bytes.__getitem__(v, slice(None))),
    (bytearray, lambda v: bytearray(bytes(memoryview(v)))),
    (list, lambda v: list.__getitem__(v, slice(None))),
    (tuple, lambda v: tuple.__getitem__(v, slice(None))),
    (dict, lambda v: {k: x for k, x in dict.items(v)}),
    (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
    (set, lambda v: set(set.__iter__(v))),
)


def _tz_plain(tz):
    if tz is None:
        return None
    if type(tz) is not _TZ:
        raise WireError("a datetime with a tzinfo of type %s" % type(tz).__name__)
    off = tz.utcoffset(None)
    name = tz.tzname(None)
    plain_name = None if name == _TZ(off).tzname(None) else name
    return [off.days, off.seconds, off.microseconds, plain_name]


def _tz_value(p):
    if p is None:
        return None
    days, secs, us, name = p
    off = _TD(days=_int(days), seconds=_int(secs), microseconds=_int(us))
    return _TZ(off) if name is None else _TZ(off, _str(name))


def to_plain(v, other=None):
    """The JSON-able form of `v`; `other(v)` may encode what is not data
    (returns None when it cannot), otherwise WireError."""
    t = type(v)
    if v is None or t is bool or t is int or t is float or t is str:
        return v
    if t is list:
        return [to_plain(x, other) for x in v]
    if t is dict:
        return {"d": [[to_plain(k, other), to_plain(x, other)] for k, x in v.items()]}
    if t is tuple:
        return {"t": [to_plain(x, other) for x in v]}
    if t is bytes:
        return {"b": _b64e(v).decode("ascii")}
    if t is bytearray:
        return {"ba": _b64e(bytes(v)).decode("ascii")}
    if t is set:
        return {"set": [to_plain(x, other) for x in v]}
    if t is frozenset:
        return {"fs": [to_plain(x, other) for x in v]}
    if t is complex:
        return {"c": [v.real, v.imag]}
    mod = t.__module__
    if mod == "decimal" and t is _dec().Decimal:
        return {"dec": str(v)}
    if t is _DT:
        return {
            "dt": [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, v.fold,
                   _tz_plain(v.tzinfo)]
        }
    if t is _DATE:
        return {"date": [v.year, v.month, v.day]}
    if t is _TIME:
        return {"time": [v.hour, v.minute, v.second, v.microsecond, v.fold, _tz_plain(v.tzinfo)]}
    if t is _TD:
        return {"td": [v.days, v.seconds, v.microseconds]}
    if t is _TZ:
        return {"tz": _tz_plain(v)}
    if mod == "pathlib" and t in (_pathlib().PosixPath, _pathlib().PurePosixPath):
        return {"path": str(v), "pure": t is _pathlib().PurePosixPath}
    for base, copy in _COPY:
        if isinstance(v, base):
            return to_plain(copy(v), other)
    if other is not None:
        p = other(v)
        if p is not None:
            return p
    raise WireError("an object of type %s" % _type_name(v))


def _type_name(v):
    t = type(v)
    return "%s.%s" % (t.__module__, t.__qualname__) if t.__module__ != "builtins" else t.__name__


def _int(x):
    if type(x) is not int:
        raise WireError("expected an int, got %s" % type(x).__name__)
    return x


def _str(x):
    if type(x) is not str:
        raise WireError("expected a str, got %s" % type(x).__name__)
    return x


def _list(x):
    if type(x) is not list:
        raise WireError("expected a list, got %s" % type(x).__name__)
    return x


def _bytes(x):
    try:
        return _a2b(_str(x).encode("ascii"), strict_mode=True)
    except (ValueError, UnicodeError, binascii.Error) as e:
        raise WireError("bad base64: %s" % e)


def from_plain(p, other=None):
    """The value `p` (from to_plain) stands for, built from exact built-ins;
    `other(tag, payload)` may decode further tags (None: not one)."""
    t = type(p)
    if p is None or t is bool or t is int or t is float or t is str:
        return p
    if t is list:
        return [from_plain(x, other) for x in p]
    if t is not dict or not p:
        raise WireError("not a value: %s" % t.__name__)
    tag = next(iter(p))
    x = p[tag]
    if len(p) != 1 and tag != "path":
        raise WireError("a tagged value with %d keys" % len(p))
    try:
        if tag == "d":
            out = {}
            for pair in _list(x):
                k, v = _list(pair)
                out[from_plain(k, other)] = from_plain(v, other)
            return out
        if tag == "t":
            return tuple(from_plain(e, other) for e in _list(x))
        if tag == "b":
            return _bytes(x)
        if tag == "ba":
            return bytearray(_bytes(x))
        if tag == "set":
            return {from_plain(e, other) for e in _list(x)}
        if tag == "fs":
            return frozenset(from_plain(e, other) for e in _list(x))
        if tag == "c":
            re_, im = _list(x)
            if type(re_) is not float or type(im) is not float:
                raise WireError("a complex number of non-floats")
            return complex(re_, im)
        if tag == "dec":
            return _dec().Decimal(_str(x))
        if tag == "dt":
            y, mo, d, h, mi, s, us, fold, tz = _list(x)
            return _DT(_int(y), _int(mo), _int(d), _int(h), _int(mi), _int(s), _int(us),
                       tzinfo=_tz_value(tz), fold=_int(fold))
        if tag == "date":
            y, mo, d = _list(x)
            return _DATE(_int(y), _int(mo), _int(d))
        if tag == "time":
            h, mi, s, us, fold, tz = _list(x)
            return _TIME(_int(h), _int(mi), _int(s), _int(us), tzinfo=_tz_value(tz), fold=_int(fold))
        if tag == "td":
            d, s, us = _list(x)
            return _TD(days=_int(d), seconds=_int(s), microseconds=_int(us))
        if tag == "tz":
            return _tz_value(_list(x))
        if tag == "path":
            pure = p.get("pure")
            if type(pure) is not bool or len(p) != 2:
                raise WireError("a malformed path")
            pathlib = _pathlib()
            return (pathlib.PurePosixPath if pure else pathlib.PosixPath)(_str(x))
    except (TypeError, ValueError, OverflowError, ArithmeticError) as e:
        raise WireError("a malformed %r value: %s" % (tag, e))
    if other is not None:
        v = other(tag, x)
        if v is not None:
            return v
    raise WireError("an unknown tag %r" % tag[:40])


def send(fd, message):
    """Write one frame holding `message` (a dict of plain JSON values)."""
    data = _dumps(message).encode("utf-8", "surrogatepass")
    view = memoryview(_int_to(len(data), 8, "big") + data)
    while view:
        n = _write(fd, view)
        view = view[n:]


def _read_exact(fd, n):
    chunks, left = [], n
    while left:
        b = _read(fd, min(left, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        left -= len(b)
    return b"".join(chunks)


def recv(fd, limit=MAX_FRAME):
    """Read one frame; None at end of file; WireError if malformed."""
    head = _read_exact(fd, 8)
    if head is None:
        return None
    n = _int_from(head, "big")
    if n > limit:
        raise WireError("a frame of %d bytes (the limit is %d)" % (n, limit))
    data = _read_exact(fd, n)
    if data is None:
        return None
    try:
        message = _loads(data.decode("utf-8", "surrogatepass"))
    except ValueError as e:
        raise WireError("a frame that is not JSON: %s" % e)
    if type(message) is not dict:
        raise WireError("a frame that is not an object")
    return message
