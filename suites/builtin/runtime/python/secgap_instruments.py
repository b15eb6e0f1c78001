"""Instruments inside the worker: what some security tests must observe
from within the candidate's process, or change in it.

These run in the process the candidate controls, so the candidate can see
them and undo them; see "Threat model" in docs/suite-format.md for what
that lets it do. To give away as little as possible, the *counting*
instruments are installed in every worker, for every test of every task,
before the candidate is imported: their presence says nothing about which
test runs. The checker reads them ("read") and zeroes them ("reset").
The *changing* instruments (frozen clocks, a fixed process id, seeds, a
hidden path) are applied only when a test asks, so a candidate can notice
them; they serve tests whose verdict does not depend on the candidate not
noticing (see the threat model).
"""

import datetime
import errno
import os

_seen = {
    "digest_compares": 0,
    "mersenne_draws": 0,
    "pbkdf2_iterations": 0,
    "scrypt_cost": 0,
    "hash_constructor_calls": 0,
    "slow_crypt": False,
    "mode_changes": [],
}
_watch = [None]
_real = {}

_FAST_HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
                "sha3_384", "sha3_512", "blake2b", "blake2s", "new"]
SLOW_CRYPT_PREFIXES = ("$5$", "$6$", "$2a$", "$2b$", "$2y$", "$y$", "$gy$", "$7$")


def _counting(real, key):
    def counted(*args, **kwargs):
        _seen[key] += 1
        return real(*args, **kwargs)

    counted.__name__ = getattr(real, "__name__", "counted")
    counted.__doc__ = getattr(real, "__doc__", None)
    return counted


def install():
    """The counting instruments, before any candidate code runs."""
    import hashlib
    import hmac
    import operator
    import random
    import secrets

    hmac.compare_digest = _counting(hmac.compare_digest, "digest_compares")
    secrets.compare_digest = _counting(secrets.compare_digest, "digest_compares")
    if hasattr(operator, "_compare_digest"):
        operator._compare_digest = _counting(operator._compare_digest, "digest_compares")

    for name in ("random", "getrandbits"):
        setattr(random.Random, name, _counting(getattr(random.Random, name), "mersenne_draws"))
    shared = getattr(random, "_inst", None)
    if shared is not None:
        for name in dir(random):
            obj = getattr(random, name)
            if callable(obj) and getattr(obj, "__self__", None) is shared:
                setattr(random, name, _counting(obj, "mersenne_draws"))

    real_pbkdf2 = hashlib.pbkdf2_hmac

    def pbkdf2_hmac(hash_name, password, salt, iterations, *args, **kwargs):
        try:
            _seen["pbkdf2_iterations"] = max(_seen["pbkdf2_iterations"], int(iterations))
        except (TypeError, ValueError):
            pass
        return real_pbkdf2(hash_name, password, salt, iterations, *args, **kwargs)

    hashlib.pbkdf2_hmac = pbkdf2_hmac
    real_scrypt = getattr(hashlib, "scrypt", None)
    if real_scrypt is not None:

        def scrypt(password, *args, **kwargs):
            try:
                cost = int(kwargs.get("n", 0)) * int(kwargs.get("r", 0)) * int(kwargs.get("p", 0))
                _seen["scrypt_cost"] = max(_seen["scrypt_cost"], cost)
            except (TypeError, ValueError):
                pass
            return real_scrypt(password, *args, **kwargs)

        hashlib.scrypt = scrypt
    for name in _FAST_HASHES:
        if hasattr(hashlib, name):
            setattr(hashlib, name, _counting(getattr(hashlib, name), "hash_constructor_calls"))
    # crypt is slow to import: its wrapper is put in place when (if) the
    # candidate imports it, before the import returns.
    import sys

    sys.meta_path.insert(0, _CryptFinder())

    for name in ("chmod", "fchmod", "lchmod"):
        if hasattr(os, name):
            setattr(os, name, _watching_mode(name, getattr(os, name)))


def _wrap_crypt(crypt):
    real_crypt = crypt.crypt

    def crypt_fn(word, salt=None):
        result = real_crypt(word, salt)
        if isinstance(result, str) and result.startswith(SLOW_CRYPT_PREFIXES):
            _seen["slow_crypt"] = True
        return result

    crypt.crypt = crypt_fn


class _CryptFinder:
    """Finds `crypt` as the standard finders do, and wraps crypt.crypt once
    the module has run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "crypt":
            return None
        import importlib.machinery
        import sys

        spec = importlib.machinery.PathFinder.find_spec(fullname, sys.path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        real_exec = loader.exec_module

        def exec_module(module):
            real_exec(module)
            _wrap_crypt(module)

        loader.exec_module = exec_module
        return spec


def _file_bytes(target):
    if isinstance(target, int):
        try:
            return os.pread(target, os.fstat(target).st_size + 1, 0)
        except OSError:
            return None
    try:
        with open(target, "rb") as f:
            return f.read()
    except OSError:
        return None


def _watching_mode(name, fn):
    """os.chmod and friends, noting a change of mode on a file that other
    users could read and that already holds the watched bytes."""
    import stat

    def wrapper(*args, **kwargs):
        marker = _watch[0]
        if marker is not None:
            target = args[0] if args else kwargs.get("path", kwargs.get("fd"))
            mode = args[1] if len(args) > 1 else kwargs.get("mode")
            try:
                if isinstance(target, int):
                    st = os.fstat(target)
                else:
                    follow = kwargs.get("follow_symlinks", True) and name != "lchmod"
                    st = os.stat(target, follow_symlinks=follow)
                if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                    data = _file_bytes(target)
                    if data is not None and marker in data:
                        _seen["mode_changes"].append(
                            "%s(%r, %s) on a file of mode %04o that already held the new tokens"
                            % (name, target, "%04o" % mode if isinstance(mode, int) else repr(mode),
                               stat.S_IMODE(st.st_mode)))
            except (OSError, TypeError, ValueError):
                pass
        return fn(*args, **kwargs)

    wrapper.__name__ = name
    return wrapper


def _freeze_clocks(at):
    import time

    real_dt, real_date = _real.setdefault("datetime", (datetime.datetime, datetime.date))

    class FrozenDateTime(real_dt):
        @classmethod
        def now(cls, tz=None):
            return real_dt.fromtimestamp(at, tz)

        @classmethod
        def utcnow(cls):
            return real_dt.utcfromtimestamp(at)

        @classmethod
        def today(cls):
            return real_dt.fromtimestamp(at)

    class FrozenDate(real_date):
        @classmethod
        def today(cls):
            return real_date.fromtimestamp(at)

    gmtime = _real.setdefault("gmtime", time.gmtime)
    time.time = lambda: at
    time.time_ns = lambda: int(at * 1_000_000_000)
    time.monotonic = lambda: 5000.5
    time.monotonic_ns = lambda: 5_000_500_000_000
    time.perf_counter = lambda: 5000.5
    time.perf_counter_ns = lambda: 5_000_500_000_000
    time.process_time = lambda: 1.5
    time.process_time_ns = lambda: 1_500_000_000
    time.localtime = lambda secs=None: gmtime(at if secs is None else secs)
    datetime.datetime = FrozenDateTime
    datetime.date = FrozenDate


def _fix_default_seed(default):
    import random

    real_seed = _real.setdefault("seed", random.Random.seed)

    def seed(rng, a=None, version=2):
        return real_seed(rng, default if a is None else a, version)

    random.Random.seed = seed


def _reset_name_sources(seed):
    import random
    import tempfile
    import uuid

    random.seed(seed)
    tempfile._name_sequence = None
    uuid._last_timestamp = None


def _hide_path(path):
    """stat/lstat/access/listdir report `path` as absent (the attacker wins
    the race between a check of the name and the open)."""
    hidden = os.path.abspath(path)
    real = _real.setdefault("fs", {n: getattr(os, n) for n in ("stat", "lstat", "access", "listdir")})

    def is_hidden(p):
        if not isinstance(p, (str, bytes, os.PathLike)):
            return False
        try:
            return os.path.abspath(os.fsdecode(p)) == hidden
        except Exception:
            return False

    def absent(p):
        return FileNotFoundError(errno.ENOENT, "No such file or directory", os.fsdecode(p))

    def stat(p, *args, **kwargs):
        if is_hidden(p):
            raise absent(p)
        return real["stat"](p, *args, **kwargs)

    def lstat(p, *args, **kwargs):
        if is_hidden(p):
            raise absent(p)
        return real["lstat"](p, *args, **kwargs)

    def access(p, *args, **kwargs):
        if is_hidden(p):
            return False
        return real["access"](p, *args, **kwargs)

    def listdir(p=".", *args, **kwargs):
        names = real["listdir"](p, *args, **kwargs)
        try:
            here = os.path.abspath(os.fsdecode(p)) == os.path.dirname(hidden)
        except Exception:
            here = False
        if here:
            base = os.path.basename(hidden)
            names = [n for n in names if os.fsdecode(n) != base]
        return names

    os.stat, os.lstat, os.access, os.listdir = stat, lstat, access, listdir


def _show_paths():
    for name, fn in _real.get("fs", {}).items():
        setattr(os, name, fn)


def act(action, args):
    """One request of the checker; returns plain data."""
    if action == "read":
        out = dict(_seen)
        out["mode_changes"] = list(_seen["mode_changes"])
        return out
    if action == "reset":
        for k, v in _seen.items():
            _seen[k] = [] if isinstance(v, list) else (False if isinstance(v, bool) else 0)
        return None
    if action == "watch_bytes":
        (_watch[0],) = args
        return None
    if action == "freeze_clocks":
        _freeze_clocks(*args)
        return None
    if action == "fix_pid":
        (pid,) = args
        os.getpid = lambda: pid
        return None
    if action == "fix_default_seed":
        _fix_default_seed(*args)
        return None
    if action == "no_safe_uuid1":
        import uuid

        if hasattr(uuid, "_generate_time_safe"):
            uuid._generate_time_safe = None
        return None
    if action == "reset_name_sources":
        _reset_name_sources(*args)
        return None
    if action == "seed_random":
        import random

        random.seed(*args)
        return None
    if action == "hide_path":
        _hide_path(*args)
        return None
    if action == "show_paths":
        _show_paths()
        return None
    raise ValueError("no instrument %r" % (action,))
