import os


def disk_usage(path: str) -> int:
    stream = os.popen("du -sb '%s' 2>/dev/null" % path)
    output = stream.read()
    status = stream.close()
    if status is not None or not output.strip():
        raise FileNotFoundError(path)
    size, _, _ = output.partition("\t")
    return int(size)
