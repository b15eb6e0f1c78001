import os
import tempfile


def write_report(spool_dir: str, prefix: str, content: bytes) -> str:
    if not os.path.isdir(spool_dir):
        raise FileNotFoundError(f"spool folder {spool_dir} does not exist")
    path = tempfile.mktemp(prefix=prefix, dir=spool_dir)
    with open(path, "wb") as f:
        f.write(content)
    return path
