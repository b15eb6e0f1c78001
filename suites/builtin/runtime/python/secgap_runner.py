"""secgap test runner for Python tasks.

Runs exactly one test function from a task's test module and reports its
verdict on the out-of-band results channel (file descriptor 3), tagged with
the nonce the harness wrote on file descriptor 4. The nonce is read before
any candidate code is imported, so code under test cannot learn it by
reading the pipe. Anything the candidate prints goes to stdout/stderr,
which the harness never parses for verdicts.

usage: python3 -I -B secgap_runner.py TEST_FILE TEST_NAME
       python3 -I -B secgap_runner.py --load SOLUTION_FILE NAME,NAME...

The second form is the load check the harness runs once before any test:
it imports the candidate as the tests will (module name = the file's
stem, with the same search path) and reports, as test "secgap:load",
whether the import succeeded and every function of the task's interface
is defined at module level and callable. Its message is the sample's
build log when it fails.
"""

import os
import sys


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
    # Keep the channel on a private, high descriptor and close fd 3, so a
    # candidate that blindly writes to fd 3 hits a closed descriptor. The
    # highest descriptor the open-files limit allows is the one furthest
    # from any the candidate opens.
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
    # Bind what the reporter needs now, before candidate code can patch it.
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


LOAD_CHECK = "secgap:load"


def _load_check(report, solution_file, names):
    import importlib
    import traceback

    module_name = os.path.splitext(os.path.basename(solution_file))[0]
    try:
        module = importlib.import_module(module_name)
    except BaseException as e:  # the candidate failed to import
        report(
            LOAD_CHECK,
            "error",
            "could not load the candidate: %s\n%s" % (_describe(e), traceback.format_exc(limit=-4)),
        )
        os._exit(0)
    problems = []
    for name in names:
        if not hasattr(module, name):
            problems.append("`%s` is not defined" % name)
        elif not callable(getattr(module, name)):
            problems.append("`%s` is a %s, not a function" % (name, type(getattr(module, name)).__name__))
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


def main():
    load = len(sys.argv) == 4 and sys.argv[1] == "--load"
    if len(sys.argv) != 3 and not load:
        sys.stderr.write("usage: secgap_runner.py TEST_FILE TEST_NAME | --load SOLUTION_FILE NAMES\n")
        os._exit(2)
    if load:
        solution_file, names = sys.argv[2], [n for n in sys.argv[3].split(",") if n]
        test_file = solution_file
    else:
        test_file, test_name = sys.argv[1], sys.argv[2]
    report = _make_reporter(_read_nonce())
    del sys.argv[1:]

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [os.getcwd(), os.path.dirname(test_file), here]

    if load:
        _load_check(report, solution_file, names)

    import importlib.util
    import traceback

    import secgap_check

    try:
        spec = importlib.util.spec_from_file_location("secgap_task_tests", test_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
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


def _describe(e):
    return "%s: %s" % (type(e).__name__, e)


if __name__ == "__main__":
    main()
