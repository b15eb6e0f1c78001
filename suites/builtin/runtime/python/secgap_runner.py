"""secgap test runner for Python tasks: the checker.

Runs exactly one test function from a task's test module and reports its
verdict on the out-of-band results channel (file descriptor 3), tagged with
the nonce the harness wrote on file descriptor 4.

The candidate never runs in this process. The harness gives the command
line of a worker (secgap_worker.py, in a sandbox of its own) in
SECGAP_WORKER; this checker starts it as its child with a pipe of calls on
its descriptor 3 and a pipe of replies on its descriptor 4, and nothing
else. When the tests import the candidate's module they get a proxy whose
functions send each call to the worker and decode its reply into exact
built-in types (secgap_wire); exceptions come back as their built-in class
with their message. The checker never imports or reads as code the
candidate's file and never puts the shared workspace on its search path.
Anything either process prints goes to stdout/stderr, which the harness
never parses for verdicts.

usage: python3 -I -B secgap_runner.py --solution SOLUTION_FILE --interface NAMES TEST_FILE TEST_NAME
       python3 -I -B secgap_runner.py --solution SOLUTION_FILE --interface NAMES --load

The second form is the load check the harness runs once before any test:
the worker imports the candidate as the tests will and says whether that
succeeded and which functions of the task's interface it defines at module
level; the result is reported as test "secgap:load", its message the
sample's build log when it fails.
"""

import os
import sys

LOAD_CHECK = "secgap:load"


def _read_nonce():
    chunks = []
    try:
        while True:
            b = os.read(4, 256)
            if not b:
                break
            chunks.append(b)
        os.close(4)
    except OSError:
        return None
    return b"".join(chunks).decode("ascii", "replace").strip()


def _make_reporter(nonce):
    # The channel moves to a private, high, close-on-exec descriptor and fd
    # 3 is closed: the worker is started with only its two pipes.
    import resource

    out = os.dup(3)
    os.close(3)
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = soft - 1 if 16 < soft < 1 << 20 else 1023
    try:
        fd = os.dup2(out, top, inheritable=False)
        os.close(out)
        out = fd
    except OSError:
        pass
    sent = []
    import json

    dumps, write = json.dumps, os.write

    def report(test, outcome, message):
        if sent:
            return
        sent.append(True)
        line = dumps(
            {"nonce": nonce, "test": test, "outcome": outcome, "message": message[:4000]}
        )
        write(out, (line + "\n").encode())

    return report


class WorkerEnded(BaseException):
    """The candidate's process ended, or broke the protocol, during a call.
    Not an Exception, so a test's `except Exception` cannot take it for a
    refusal."""


class CandidateError(BaseException):
    """The candidate answered with something that is not plain data."""


class Worker:
    """The candidate's process, as the checker's child."""

    def __init__(self, argv):
        calls_r, calls_w = os.pipe()
        replies_r, replies_w = os.pipe()
        # Every end moves above 4 (close-on-exec, as os.dup makes them);
        # the child then gets its two ends on 3 and 4 and, since every
        # other descriptor here is close-on-exec, nothing else. posix_spawn
        # starts it sooner than subprocess would (and needs no import).
        ends = [os.dup(fd) for fd in (calls_r, calls_w, replies_r, replies_w)]
        for fd in (calls_r, calls_w, replies_r, replies_w):
            os.close(fd)
        calls_r, self.out, self.inp, replies_w = ends
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, calls_r, 3),
            (os.POSIX_SPAWN_DUP2, replies_w, 4),
        ]
        spawn = os.posix_spawn if argv[0].startswith("/") else os.posix_spawnp
        try:
            self.pid = spawn(argv[0], argv, dict(os.environ), file_actions=actions)
        finally:
            os.close(calls_r)
            os.close(replies_w)
        self.dead = None

    def ended(self, during):
        if self.dead is None:
            try:
                rc = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except (OSError, ValueError):
                rc = None
            if rc is None:
                how = "it stopped answering"
            elif rc < 0:
                how = "killed by signal %d" % -rc
            elif rc > 128:
                how = "exit status %d, killed by signal %d" % (rc, rc - 128)
            else:
                how = "exit status %d" % rc
            self.dead = "the candidate's process ended during %s (%s)" % (during, how)
        return WorkerEnded(self.dead)


def _peak_rss_kb(root_pid):
    """Peak resident size (kB) of the largest live process under root_pid,
    read by the checker from /proc (the worker's processes are visible
    from its parent's PID namespace)."""
    parents, peak = {}, 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
            parents[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    for pid in parents:
        p, hops = pid, 0
        while p in parents and p != root_pid and hops < 64:
            p, hops = parents[p], hops + 1
        if p != root_pid:
            continue
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            continue
    return peak


class Checker:
    """Calls into the worker and decodes its replies."""

    def __init__(self, worker, wire):
        self.worker = worker
        self.wire = wire
        self.callbacks = {}
        self.base_env = dict(os.environ)

    def ambient(self, message):
        env = os.environ
        message["env"] = {
            "set": [[k, v] for k, v in env.items() if self.base_env.get(k) != v],
            "unset": [k for k in self.base_env if k not in env],
        }
        mask = os.umask(0)
        os.umask(mask)
        message["umask"] = mask
        try:
            message["cwd"] = os.getcwd()
        except OSError:
            pass
        return message

    def encode_other(self, v):
        import sqlite3

        if type(v) is sqlite3.Connection:
            rows = v.execute("PRAGMA database_list").fetchall()
            path = next((r[2] for r in rows if r[1] == "main"), "")
            if not path:
                raise self.wire.WireError("an in-memory sqlite3 database (the worker cannot share it)")
            return {"sqlite": path}
        if callable(v):
            ident = len(self.callbacks) + 1
            self.callbacks[ident] = v
            return {"fn": ident}
        return None

    def plain(self, v):
        return self.wire.to_plain(v, self.encode_other)

    def exchange(self, message, during):
        """Send one request; run the callbacks it makes; return the reply."""
        wire = self.worker
        if wire.dead:
            raise WorkerEnded(wire.dead)
        try:
            self.wire.send(wire.out, message)
        except OSError:
            raise wire.ended(during)
        while True:
            try:
                m = self.wire.recv(wire.inp)
            except self.wire.WireError as e:
                raise WorkerEnded("the candidate's process broke the protocol during %s: %s" % (during, e))
            if m is None:
                raise wire.ended(during)
            if m.get("op") != "callback":
                return m
            try:
                self.wire.send(wire.out, self.run_callback(m))
            except OSError:
                raise wire.ended(during)

    def run_callback(self, m):
        fn = self.callbacks.get(m.get("fn")) if type(m.get("fn")) is int else None
        try:
            if fn is None:
                raise WorkerEnded("the candidate's process asked for a callback it was never given")
            args = [self.decode(a) for a in m["args"]]
            kwargs = {self.text(k): self.decode(v) for k, v in m["kwargs"]}
        except (KeyError, TypeError, ValueError, self.wire.WireError) as e:
            raise WorkerEnded("the candidate's process sent a malformed callback: %s" % e)
        try:
            value = fn(*args, **kwargs)
        except Exception as e:
            return {"op": "answer", "raise": self.describe(e)}
        try:
            return {"op": "answer", "value": self.plain(value)}
        except self.wire.WireError as e:
            return {"op": "answer", "raise": self.describe(TypeError(str(e)))}

    def describe(self, e):
        import builtins

        base = next((c.__name__ for c in type(e).__mro__ if getattr(builtins, c.__name__, None) is c), "Exception")
        try:
            args = [self.plain(a) for a in e.args]
        except self.wire.WireError:
            args = []
        return {"module": type(e).__module__, "qualname": type(e).__qualname__, "args": args,
                "builtin": base, "message": str(e)}

    def decode(self, p):
        return self.wire.from_plain(p)

    @staticmethod
    def text(x):
        if type(x) is not str:
            raise TypeError("expected a str")
        return x

    def raise_reply(self, m, during):
        """The exception a "raise" reply stands for, as a built-in class."""
        import builtins

        name = m.get("cls")
        message = m.get("message")
        if type(message) is not str:
            message = ""
        cls = getattr(builtins, name, None) if type(name) is str else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            cls = Exception
        if issubclass(cls, OSError) and type(m.get("errno")) is int and type(m.get("strerror")) is str:
            fields = [m["errno"], m["strerror"]]
            if type(m.get("filename")) is str:
                fields.append(m["filename"])
            try:
                return cls(*fields)
            except Exception:
                pass
        for c in cls.__mro__:
            try:
                return c(message)
            except Exception:
                continue
        return Exception(message)

    def apply_after(self, m, args, kwargs):
        """Copy the state the call left in its mutable arguments back into
        the checker's own objects."""
        after = m.get("after")
        if type(after) is not list:
            return
        for item in after:
            if type(item) is not list or len(item) != 2:
                continue
            key, plain = item
            if type(key) is int and 0 <= key < len(args):
                target = args[key]
            elif type(key) is str and key in kwargs:
                target = kwargs[key]
            else:
                continue
            value = self.decode(plain)
            t = type(target)
            if t is not type(value):
                raise CandidateError("the call left an argument of type %s as a %s" % (t.__name__, type(value).__name__))
            if t is dict or t is set:
                target.clear()
                target.update(value)
            else:
                target[:] = value

    def result(self, m, during, args=(), kwargs=None):
        op = m.get("op")
        try:
            self.apply_after(m, args, kwargs or {})
        except self.wire.WireError as e:
            raise CandidateError("%s left an argument that cannot leave the worker: %s" % (during, e))
        if op == "return":
            try:
                return self.decode(m.get("value"))
            except self.wire.WireError as e:
                raise CandidateError("%s returned %s" % (during, e))
        if op == "raise":
            raise self.raise_reply(m, during)
        if op == "error":
            message = m.get("message")
            raise CandidateError(message if type(message) is str else "the worker failed during %s" % during)
        raise WorkerEnded("the candidate's process sent an unexpected reply during %s" % during)

    def call(self, name, args, kwargs):
        during = "a call to `%s`" % name
        try:
            message = {
                "op": "call",
                "fn": name,
                "args": [self.plain(a) for a in args],
                "kwargs": [[k, self.plain(v)] for k, v in kwargs.items()],
            }
        except self.wire.WireError as e:
            raise TypeError("an argument of `%s` cannot be sent to the candidate's process: %s" % (name, e))
        m = self.exchange(self.ambient(message), during)
        return self.result(m, during, args, kwargs)

    def simple(self, op, during, **fields):
        message = dict(fields, op=op)
        return self.result(self.exchange(self.ambient(message), during), during)

    def peak_rss_mb(self):
        return _peak_rss_kb(self.worker.pid) >> 10


def _install_module(checker, solution_file, names):
    """Make `import <solution>` give the proxy module."""
    import importlib.abc
    import importlib.util

    module_name = os.path.splitext(os.path.basename(solution_file))[0]

    def proxy(name):
        def fn(*args, **kwargs):
            return checker.call(name, args, kwargs)

        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = module_name
        return fn

    class Loader(importlib.abc.Loader):
        imported = []

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            op = "reload" if self.imported else "import"
            self.imported.append(True)
            checker.simple(op, "the import of the candidate's module")
            for name in names:
                setattr(module, name, proxy(name))

    loader = Loader()

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname != module_name:
                return None
            spec = importlib.util.spec_from_loader(fullname, loader, origin=solution_file)
            spec.has_location = True
            return spec

    sys.meta_path.insert(0, Finder())


def _usage():
    sys.stderr.write(
        "usage: secgap_runner.py --solution FILE --interface NAMES (TEST_FILE TEST_NAME | --load)\n"
    )
    os._exit(2)


def main():
    argv = sys.argv[1:]
    if len(argv) not in (5, 6) or argv[0] != "--solution" or argv[2] != "--interface":
        _usage()
    solution_file, names = argv[1], [n for n in argv[3].split(",") if n]
    load = argv[4:] == ["--load"]
    if not load and len(argv) != 6:
        _usage()
    test_name = LOAD_CHECK if load else argv[5]
    report = _make_reporter(_read_nonce())
    del sys.argv[1:]
    worker_argv = os.environ.pop("SECGAP_WORKER", None)

    # The worker starts first, so that its sandbox and interpreter start
    # while this process loads the tests.
    import json

    try:
        argv_list = json.loads(worker_argv or "null")
        if type(argv_list) is not list or not argv_list or any(type(a) is not str for a in argv_list):
            raise ValueError("SECGAP_WORKER is not a JSON array of strings")
        worker = Worker(argv_list)
    except (OSError, ValueError) as e:
        report(test_name, "error", "could not start the candidate's process: %s: %s" % (type(e).__name__, e))
        os._exit(0)

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = ([] if load else [os.path.dirname(argv[4])]) + [here]

    import secgap_wire

    checker = Checker(worker, secgap_wire)

    if load:
        _load_check(report, checker, names)

    import traceback

    import secgap_check

    secgap_check._checker = checker
    _install_module(checker, solution_file, names)
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location("secgap_task_tests", argv[4])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (WorkerEnded, CandidateError) as e:
        report(test_name, "error", "could not load tests or candidate: " + str(e))
        os._exit(0)
    except BaseException as e:  # the candidate failed to import
        report(test_name, "error", "could not load tests or candidate: " + _describe(e))
        os._exit(0)

    fn = getattr(module, test_name, None)
    if not callable(fn):
        report(test_name, "error", "test file defines no function named %r" % test_name)
        os._exit(0)

    try:
        fn()
    except secgap_check.CheckFailed as e:
        report(test_name, "fail", str(e))
    except (WorkerEnded, CandidateError) as e:
        report(test_name, "fail", str(e))
    except RecursionError as e:
        report(test_name, "fail", "unbounded recursion: " + _describe(e))
    except MemoryError as e:
        report(test_name, "fail", "memory exhausted: " + _describe(e))
    except BaseException as e:
        tb = traceback.format_exc(limit=6)
        report(test_name, "fail", "unexpected exception: " + _describe(e) + "\n" + tb)
    else:
        report(test_name, "pass", "")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _load_check(report, checker, names):
    try:
        m = checker.exchange({"op": "load", "names": names}, "the import of the candidate's module")
    except WorkerEnded as e:
        report(LOAD_CHECK, "error", "could not load the candidate: %s" % e)
        os._exit(0)
    error = m.get("error") if m.get("op") == "loaded" else "the worker did not answer the load check"
    if error is not None:
        text = error if type(error) is str else "(no reason given)"
        report(LOAD_CHECK, "error", "could not load the candidate: %s" % text[:3500])
        os._exit(0)
    found = m.get("names")
    problems = []
    for name in names:
        state = found.get(name, "missing") if type(found) is dict else "missing"
        if state is None:
            continue
        if state == "missing" or type(state) is not str:
            problems.append("`%s` is not defined" % name)
        else:
            problems.append("`%s` is a %s, not a function" % (name, state[:80]))
    if problems:
        report(
            LOAD_CHECK,
            "error",
            "the candidate does not define the task's interface (%s): %s"
            % (", ".join(names), "; ".join(problems)),
        )
    else:
        report(LOAD_CHECK, "pass", "")
    os._exit(0)


def _describe(e):
    return "%s: %s" % (type(e).__name__, e)


if __name__ == "__main__":
    main()
