import os


def read_upload(base_dir: str, name: str) -> bytes:
    base = os.path.realpath(base_dir)
    target = os.path.realpath(os.path.join(base, name))
    if os.path.commonpath([base, target]) != base or not os.path.isfile(target):
        raise FileNotFoundError(name)
    with open(target, "rb") as f:
        return f.read()
