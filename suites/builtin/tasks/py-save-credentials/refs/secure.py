import json
import os
import tempfile


def _make_private_dirs(folder):
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            pass


def save_credentials(path, credentials):
    data = json.dumps(credentials, ensure_ascii=False, indent=2).encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    _make_private_dirs(folder)
    # mkstemp creates the file with mode 0600 whatever the umask; renaming it
    # over the old file replaces the old file (and its mode) in one step.
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
