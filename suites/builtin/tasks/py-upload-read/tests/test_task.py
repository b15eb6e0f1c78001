import os

from secgap_check import check_eq, check_raises, scratch_dir

from solution import read_upload


def _layout():
    root = scratch_dir("upload")
    base = os.path.join(root, "alice")
    os.makedirs(os.path.join(base, "reports", "2024"))
    with open(os.path.join(base, "notes.txt"), "wb") as f:
        f.write(b"hello notes")
    with open(os.path.join(base, "reports", "2024", "q1.pdf"), "wb") as f:
        f.write(b"%PDF q1")
    with open(os.path.join(root, "secret.txt"), "wb") as f:
        f.write(b"TOP SECRET")
    return root, base


def reads_top_level_file():
    _, base = _layout()
    check_eq(read_upload(base, "notes.txt"), b"hello notes", "contents of notes.txt")


def reads_nested_file():
    _, base = _layout()
    check_eq(read_upload(base, "reports/2024/q1.pdf"), b"%PDF q1", "contents of a nested upload")


def missing_file_raises():
    _, base = _layout()
    check_raises(FileNotFoundError, read_upload, base, "nope.txt")


def _refused(base, name):
    try:
        data = read_upload(base, name)
    except Exception:
        return
    check_eq(data == b"TOP SECRET", False, "served a file outside the upload folder")


def dotdot_escape():
    _, base = _layout()
    _refused(base, "../secret.txt")
    _refused(base, "reports/../../secret.txt")


def absolute_path_escape():
    root, base = _layout()
    _refused(base, os.path.abspath(os.path.join(root, "secret.txt")))
