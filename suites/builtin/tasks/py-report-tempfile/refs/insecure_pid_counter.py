import itertools
import os

_counter = itertools.count()


def write_report(spool_dir: str, prefix: str, content: bytes) -> str:
    if not os.path.isdir(spool_dir):
        raise FileNotFoundError(spool_dir)
    name = f"{prefix}{os.getpid()}-{next(_counter)}.report"
    path = os.path.join(spool_dir, name)
    with open(path, "wb") as f:
        f.write(content)
    return path
