import os
import subprocess


def disk_usage(path: str) -> int:
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    result = subprocess.run(
        ["du", "-sb", "--", path], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not result.stdout:
        raise FileNotFoundError(path)
    return int(result.stdout.split("\t", 1)[0])
