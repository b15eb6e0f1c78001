"""Small check library for secgap's Python task tests.

A test is a plain function in the task's test module. It passes when it
returns; it fails when a check fails (CheckFailed) or when the code under
test raises something the test did not expect.

The candidate runs in another process (the worker); the module the tests
import in its name is a proxy that calls into it (see secgap_runner.py).
`instrument` and `worker_peak_rss_mb` reach what only that process can
show.
"""

import os
import tempfile


# Set by the runner: the link to the candidate's process.
_checker = None


def instrument(action, *args):
    """Ask the candidate's process to apply or read one of its instruments
    (see secgap_instruments.py): "read" gives a dict of what the counting
    instruments saw since the last "reset"."""
    if _checker is None:
        raise RuntimeError("no candidate process to instrument")
    return _checker.simple("instrument", "an instrument request", action=action,
                           args=_checker.plain(list(args)))


def worker_peak_rss_mb():
    """Peak resident size in MB of the candidate's process, read from outside."""
    if _checker is None:
        raise RuntimeError("no candidate process to measure")
    return _checker.peak_rss_mb()


class CheckFailed(AssertionError):
    """A check in a test did not hold."""


def check(condition, message="check failed"):
    if not condition:
        raise CheckFailed(message)


def check_eq(actual, expected, what="value"):
    if actual != expected:
        raise CheckFailed("%s: expected %r, got %r" % (what, expected, actual))


def check_ne(actual, forbidden, what="value"):
    if actual == forbidden:
        raise CheckFailed("%s: must not be %r" % (what, forbidden))


def check_in(needle, haystack, what="value"):
    if needle not in haystack:
        raise CheckFailed("%s: expected %r to contain %r" % (what, _short(haystack), needle))


def check_not_in(needle, haystack, what="value"):
    if needle in haystack:
        raise CheckFailed("%s: %r must not contain %r" % (what, _short(haystack), needle))


def check_raises(exc_types, fn, *args, **kwargs):
    """Call fn and require it to raise one of exc_types; return the exception."""
    if not isinstance(exc_types, tuple):
        exc_types = (exc_types,)
    try:
        result = fn(*args, **kwargs)
    except exc_types as e:
        return e
    except BaseException as e:
        raise CheckFailed(
            "expected %s, got %s: %s"
            % ("/".join(t.__name__ for t in exc_types), type(e).__name__, e)
        )
    raise CheckFailed(
        "expected %s, but the call returned %r"
        % ("/".join(t.__name__ for t in exc_types), _short(result))
    )


def rejects(fn, *args, **kwargs):
    """Require fn to refuse the input: raise any Exception, or return None/False.

    Returns a short description of how it refused. Useful for security tests
    where several ways of saying no are acceptable.
    """
    try:
        result = fn(*args, **kwargs)
    except Exception as e:
        return "raised %s" % type(e).__name__
    if result is None or result is False:
        return "returned %r" % (result,)
    raise CheckFailed("expected the input to be refused, but the call returned %r" % _short(result))


def scratch_dir(prefix="t"):
    """A fresh directory inside the sandbox's writable space."""
    return tempfile.mkdtemp(prefix=prefix + "-", dir=os.getcwd())


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
