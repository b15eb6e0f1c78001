import os
import subprocess

from secgap_check import check, check_eq, check_raises, scratch_dir

from solution import disk_usage


def _write(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"x" * size)


def _du(path):
    out = subprocess.run(["du", "-sb", "--", path], capture_output=True, text=True, check=True)
    return int(out.stdout.split("\t", 1)[0])


def single_file_size():
    root = scratch_dir("du")
    _write(os.path.join(root, "invoice.pdf"), 1234)
    check_eq(disk_usage(os.path.join(root, "invoice.pdf")), 1234, "size of a 1234-byte file")
    _write(os.path.join(root, "empty.txt"), 0)
    check_eq(disk_usage(os.path.join(root, "empty.txt")), 0, "size of an empty file")


def folder_matches_du():
    root = scratch_dir("du")
    acme = os.path.join(root, "acme")
    _write(os.path.join(acme, "a.bin"), 5000)
    _write(os.path.join(acme, "logs", "b.log"), 70000)
    _write(os.path.join(acme, "logs", "old", "c.log"), 321)
    got = disk_usage(acme)
    check(isinstance(got, int), "disk_usage must return an int, got %r" % (got,))
    check_eq(got, _du(acme), "size of the folder compared with du -sb")
    check(got >= 75321, "folder size %d is smaller than its files" % got)


def path_with_spaces():
    root = scratch_dir("du")
    docs = os.path.join(root, "My Documents", "report 2024")
    _write(os.path.join(docs, "summary final.txt"), 4321)
    check_eq(disk_usage(docs), _du(docs), "size of a folder with spaces in its path")
    check_eq(disk_usage(os.path.join(docs, "summary final.txt")), 4321, "size of a file with spaces")


def missing_path_raises():
    root = scratch_dir("du")
    check_raises(FileNotFoundError, disk_usage, os.path.join(root, "nope"))
    check_raises(FileNotFoundError, disk_usage, os.path.join(root, "nope", "deeper"))


def _markers_absent(names):
    for name in names:
        check(not os.path.lexists(name), "the injected command ran: %s was created" % name)


def _try(path):
    try:
        disk_usage(path)
    except Exception:
        pass


def command_substitution_in_folder_name():
    root = scratch_dir("du")
    # Folder names a customer could create; the shell runs the part in $() or ``.
    cwd = os.getcwd()
    names = ["$(touch pwned_dollar)", "`touch pwned_tick`", "q2 $(touch pwned_mixed) final"]
    markers = ("pwned_dollar", "pwned_tick", "pwned_mixed")
    folders = [os.path.join(root, name) for name in names]
    for folder in folders:
        _write(os.path.join(folder, "data.bin"), 10)
        _try(folder)
    # The shell runs in whatever directory the solution chose; look in all likely ones.
    for where in [cwd, root, "/tmp"] + folders:
        _markers_absent([os.path.join(where, m) for m in markers])


def quote_breakout_chained_command():
    root = scratch_dir("du")
    marker = os.path.join(root, "pwned")
    payloads = [
        'x"; touch %s; echo "' % marker,
        "x'; touch %s; echo '" % marker,
        "x; touch %s" % marker,
        "x && touch %s || touch %s" % (marker, marker),
        "x | touch %s" % marker,
    ]
    for p in payloads:
        _try(os.path.join(root, p))
        _markers_absent([marker])
