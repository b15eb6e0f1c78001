"""secgap's worker for Python tasks: the process the candidate runs in.

usage: python3 -I -B secgap_worker.py SOLUTION_FILE

The checker (secgap_runner.py) starts this in a sandbox of its own, with
descriptor 3 reading its calls and descriptor 4 writing the replies (see
secgap_wire for the framing). Nothing here knows which test runs, and the
worker cannot see the tests, the results channel or the nonce. It imports
the candidate as the tests would (module name = the file's stem, the file's
folder first on the search path) when the checker asks, runs the function a
call names on the arguments it carries, and replies with the result as
plain data or with the exception (as its first built-in class and its
message). What the candidate does to this process can change only the
replies; the checker decodes them into exact built-ins with code the
candidate never reached.
"""

import builtins
import os
import sys

CALLS, REPLIES = 3, 4


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: secgap_worker.py SOLUTION_FILE\n")
        os._exit(2)
    solution_file = sys.argv[1]
    del sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import importlib
    import traceback

    import secgap_instruments
    import secgap_wire as wire

    sys.path.remove(here)
    sys.path.insert(0, os.path.dirname(solution_file))
    module_name = os.path.splitext(os.path.basename(solution_file))[0]

    # Bound now: what the candidate later patches cannot change how this
    # loop reads calls and writes replies (it can only make it lie, which
    # gains nothing: the checker decides).
    send, recv, to_plain, from_plain = wire.send, wire.recv, wire.to_plain, wire.from_plain
    WireError = wire.WireError
    import_module, reload = importlib.import_module, importlib.reload
    format_exc = traceback.format_exc
    instrument = secgap_instruments.act
    environ, umask, getcwd, chdir = os.environ, os.umask, os.getcwd, os.chdir
    modules = sys.modules
    base_env = dict(environ)
    exit_now = os._exit
    _type, _str, _isinstance, _getattr = type, str, isinstance, getattr
    BaseExc = BaseException
    builtin_names = builtins.__dict__

    databases = {}
    mutable = (list, dict, set, bytearray)

    def reply(message):
        try:
            send(REPLIES, message)
        except OSError:
            exit_now(0)  # the checker is gone

    def builtin_class(e):
        for c in _type(e).__mro__:
            if builtin_names.get(c.__name__) is c:
                return c.__name__
        return "Exception"

    def describe_raise(e):
        try:
            message = _str(e)
        except BaseExc:
            message = "<an exception whose message cannot be shown>"
        out = {"op": "raise", "cls": builtin_class(e), "message": _str.__str__(message)[:4000]}
        if _isinstance(e, OSError):
            for field in ("errno", "strerror", "filename"):
                v = _getattr(e, field, None)
                if _type(v) in (int, str):
                    out[field] = v
        return out

    def exception_from_checker(m):
        """Rebuild an exception a checker callback raised, as its class."""
        cls = None
        try:
            mod = modules.get(m["module"]) or import_module(m["module"])
            cls = mod
            for part in m["qualname"].split("."):
                cls = _getattr(cls, part)
            if not (_isinstance(cls, type) and issubclass(cls, BaseExc)):
                cls = None
            args = tuple(from_plain(a) for a in m["args"])
            if cls is not None:
                return cls(*args)
        except BaseExc:
            pass
        base = builtin_names.get(m.get("builtin"), RuntimeError)
        if not (_isinstance(base, type) and issubclass(base, BaseExc)):
            base = RuntimeError
        try:
            return base(m.get("message", ""))
        except BaseExc:
            return RuntimeError(m.get("message", ""))

    def callback_stub(ident):
        def callback(*args, **kwargs):
            reply(
                {
                    "op": "callback",
                    "fn": ident,
                    "args": [to_plain(a) for a in args],
                    "kwargs": [[k, to_plain(v)] for k, v in kwargs.items()],
                }
            )
            while True:
                m = recv(CALLS)
                if m is None:
                    exit_now(0)
                if m.get("op") == "answer":
                    if "raise" in m:
                        raise exception_from_checker(m["raise"])
                    return from_plain(m["value"], decode_other)
                reply(handle(m))

        callback.__name__ = callback.__qualname__ = "callback_%d" % ident
        return callback

    def decode_other(tag, x):
        if tag == "fn" and _type(x) is int:
            return callback_stub(x)
        if tag == "sqlite" and _type(x) is str:
            db = databases.get(x)
            if db is None:
                import sqlite3

                db = databases[x] = sqlite3.connect(x)
            return db
        return None

    def sync(m):
        """The checker's environment variables, umask and folder."""
        env = m.get("env")
        if env is not None:
            want = dict(base_env)
            for k, v in env["set"]:
                want[k] = v
            for k in env["unset"]:
                want.pop(k, None)
            for k in [k for k in environ if k not in want]:
                del environ[k]
            for k, v in want.items():
                if environ.get(k) != v:
                    environ[k] = v
        if "umask" in m:
            umask(m["umask"])
        cwd = m.get("cwd")
        if cwd is not None and cwd != getcwd():
            try:
                chdir(cwd)
            except OSError:
                pass

    def load(names):
        try:
            module = import_module(module_name)
        except BaseExc as e:
            return {"op": "loaded", "error": "%s: %s\n%s" % (_type(e).__name__, e, format_exc(limit=-4))}
        found = {}
        for name in names:
            if not hasattr(module, name):
                found[name] = "missing"
            else:
                obj = _getattr(module, name)
                found[name] = None if callable(obj) else _type(obj).__name__
        return {"op": "loaded", "error": None, "names": found}

    def states(args, kwargs):
        """What the call left in its mutable arguments (the checker applies
        it to its own objects, as if they had been shared)."""
        out = []
        for i, a in enumerate(args):
            if _type(a) in mutable:
                out.append([i, to_plain(a)])
        for k, a in kwargs.items():
            if _type(a) in mutable:
                out.append([k, to_plain(a)])
        return out

    def handle(m):
        op = m.get("op")
        try:
            if op == "load":
                return load(m["names"])
            if op == "import" or op == "reload":
                sync(m)
                if op == "reload" and module_name in modules:
                    reload(modules[module_name])
                else:
                    import_module(module_name)
                return {"op": "return", "value": None}
            if op == "instrument":
                return {"op": "return", "value": to_plain(instrument(m["action"], from_plain(m["args"])))}
            if op != "call":
                return {"op": "error", "message": "the worker got an unknown request %r" % (op,)}
        except BaseExc as e:
            return describe_raise(e)
        name = m["fn"]
        try:
            args = [from_plain(a, decode_other) for a in m["args"]]
            kwargs = {k: from_plain(v, decode_other) for k, v in m["kwargs"]}
        except WireError as e:
            return {"op": "error", "message": "the worker could not decode the arguments: %s" % e}
        sync(m)
        try:
            module = modules.get(module_name)
            if module is None:
                module = import_module(module_name)
            fn = _getattr(module, name)
            result = fn(*args, **kwargs)
        except BaseExc as e:
            out = describe_raise(e)
            try:
                out["after"] = states(args, kwargs)
            except BaseExc:
                pass
            return out
        try:
            return {"op": "return", "value": to_plain(result), "after": states(args, kwargs)}
        except WireError as e:
            return {"op": "error", "message": "`%s` returned %s that cannot leave the worker" % (name, e)}
        except BaseExc as e:
            return {"op": "error", "message": "`%s` returned a value that cannot be converted: %s" % (name, _type(e).__name__)}

    secgap_instruments.install()
    while True:
        try:
            m = recv(CALLS)
        except WireError:
            exit_now(3)
        if m is None:
            exit_now(0)
        reply(handle(m))


if __name__ == "__main__":
    main()
