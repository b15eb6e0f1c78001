import os
import random


def write_report(spool_dir, prefix, content):
    if not os.path.isdir(spool_dir):
        raise FileNotFoundError(spool_dir)
    while True:
        path = os.path.join(spool_dir, "%s%08x.dat" % (prefix, random.getrandbits(32)))
        if not os.path.exists(path):
            break
    with open(path, "wb") as f:
        f.write(content)
    return path
