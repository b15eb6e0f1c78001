import os
import tempfile


def write_report(spool_dir: str, prefix: str, content: bytes) -> str:
    # mkstemp picks an unpredictable name and creates it with O_CREAT|O_EXCL
    # (which also refuses an existing symlink), so nobody else's file is reused.
    fd, path = tempfile.mkstemp(prefix=prefix, dir=spool_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    except BaseException:
        os.unlink(path)
        raise
    return path
