import os


def read_upload(base_dir: str, name: str) -> bytes:
    path = os.path.join(base_dir, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(name)
    with open(path, "rb") as f:
        return f.read()
