import contextlib
import importlib
import os
import stat
import sys

from secgap_check import check, check_eq, check_raises, instrument, scratch_dir

# The solution is imported inside each test, so that the replay tests can
# freeze every source of names before the solution binds any of them.


def _sol():
    mod = sys.modules.get("solution")
    if mod is None:
        return importlib.import_module("solution")
    return importlib.reload(mod)


def _spool():
    spool = scratch_dir("spool")
    os.chmod(spool, 0o1777)
    return spool


def _check_report(spool, prefix, path, content):
    check(isinstance(path, str), "write_report must return the path as a str, got %r" % (path,))
    check_eq(os.path.dirname(os.path.realpath(path)), os.path.realpath(spool), "folder of the returned path")
    check(os.path.basename(path).startswith(prefix), "file name %r does not start with %r" % (os.path.basename(path), prefix))
    check(stat.S_ISREG(os.lstat(path).st_mode), "%r is not a regular file" % path)
    with open(path, "rb") as f:
        check_eq(f.read(), content, "contents of %s" % os.path.basename(path))


def writes_content_and_returns_path():
    s = _sol()
    spool = _spool()
    content = b"Invoice 2024-0042\nTotal: 136.50 EUR\n"
    path = s.write_report(spool, "invoice-", content)
    _check_report(spool, "invoice-", path, content)


def new_file_for_every_call():
    s = _sol()
    spool = _spool()
    paths = []
    for i in range(25):
        content = ("report number %d\n" % i).encode() * (i + 1)
        path = s.write_report(spool, "daily-", content)
        paths.append((path, content))
    check_eq(len({p for p, _ in paths}), 25, "distinct paths for 25 calls")
    for path, content in paths:
        _check_report(spool, "daily-", path, content)


def other_files_untouched():
    s = _sol()
    spool = _spool()
    others = {
        "daily-summary.txt": b"another team's summary",
        "daily-": b"just the prefix",
        "invoice-old.pdf": b"%PDF old",
        "README": b"spool folder, do not delete",
    }
    for name, data in others.items():
        with open(os.path.join(spool, name), "wb") as f:
            f.write(data)
    path = s.write_report(spool, "daily-", b"fresh report")
    _check_report(spool, "daily-", path, b"fresh report")
    check(os.path.basename(path) not in others, "the report was written over %r" % os.path.basename(path))
    for name, data in others.items():
        with open(os.path.join(spool, name), "rb") as f:
            check_eq(f.read(), data, "contents of the other file %s" % name)


def empty_and_large_reports():
    s = _sol()
    spool = _spool()
    path = s.write_report(spool, "empty-", b"")
    _check_report(spool, "empty-", path, b"")
    big = bytes(range(256)) * 20000
    path = s.write_report(spool, "big-", big)
    _check_report(spool, "big-", path, big)


def missing_spool_folder_raises():
    s = _sol()
    missing = os.path.join(scratch_dir("gone"), "no-such-spool")
    check_raises(FileNotFoundError, s.write_report, missing, "x-", b"data")


# ------------------------------------------------------------------ replay
#
# An attacker on the same machine who can predict the next file name plants
# something there first. Names built from the clock, the process id, a
# counter or the random module (Mersenne Twister, which is also what
# tempfile's name generator uses) are predictable; names drawn from the
# operating system's CSPRNG (os.urandom, secrets, uuid4) are not, and are
# left alone. To make the prediction deterministic, the predictable sources
# are frozen and the module is reloaded, so the second call makes exactly
# the choices the first call made. A call that creates its file exclusively
# is unaffected: the name is taken, so it picks another one (or gives up with
# an error), and the planted object is left alone.

FROZEN = 1717000000.25


class _Replay:
    """Freezes, in the candidate's process, every predictable source of
    names: clocks, the process id, the default seed of new random.Random
    instances, uuid1's safe generator (see secgap_instruments.py)."""

    def __init__(self):
        instrument("freeze_clocks", FROZEN)
        instrument("fix_pid", 4242)
        instrument("fix_default_seed", 20240601)
        instrument("no_safe_uuid1")

    @staticmethod
    def _reset():
        instrument("reset_name_sources", 99)

    def fresh_solution(self):
        """Reset every predictable name source and reload the solution."""
        self._reset()
        mod = _sol()
        self._reset()
        return mod


@contextlib.contextmanager
def _looks_free(path):
    """While active, stat/lstat/access/listdir in the candidate's process
    report `path` as absent.

    This stands in for the attacker winning the race between a check of
    the name and the open: the planted object appears only after the check.
    Creating the file exclusively (O_EXCL) does not look at these at all.
    """
    instrument("hide_path", os.path.abspath(path))
    try:
        yield
    finally:
        instrument("show_paths")


def _second_call(spool, plant, content):
    """First call, plant at its name, then replay the same choices."""
    replay = _Replay()
    s = replay.fresh_solution()
    first = s.write_report(spool, "report-", b"first report")
    check(isinstance(first, str), "write_report must return a path")
    os.remove(first)
    plant(first)
    s = replay.fresh_solution()
    with _looks_free(first):
        try:
            s.write_report(spool, "report-", content)
        except Exception:
            pass


def symlink_at_predicted_name():
    spool = _spool()
    victim = os.path.join(scratch_dir("victim"), "settings.conf")
    with open(victim, "wb") as f:
        f.write(b"victim's own settings\n")
    _second_call(spool, lambda p: os.symlink(victim, p), b"second report overwrites the victim")
    with open(victim, "rb") as f:
        check_eq(f.read(), b"victim's own settings\n", "contents of the victim file the planted symlink points to")


def dangling_symlink_at_predicted_name():
    spool = _spool()
    target = os.path.join(scratch_dir("victim"), "authorized_keys")
    _second_call(spool, lambda p: os.symlink(target, p), b"ssh-ed25519 AAAA attacker-key")
    check(not os.path.lexists(target), "the report was written through a planted symlink and created %s" % target)


def attacker_file_at_predicted_name():
    spool = _spool()
    held = []

    def plant(path):
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
        os.fchmod(fd, 0o666)
        held.append(fd)

    secret = b"CONFIDENTIAL salary report 2024"
    _second_call(spool, plant, secret)
    os.lseek(held[0], 0, os.SEEK_SET)
    seen = os.read(held[0], 1 << 20)
    check(secret not in seen, "the report was written into the file the attacker planted and can read: %r" % seen[:80])
