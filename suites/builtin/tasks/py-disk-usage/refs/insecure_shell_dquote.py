import subprocess


def disk_usage(path: str) -> int:
    cmd = f'du -sb "{path}"'
    result = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if result.returncode != 0:
        raise FileNotFoundError(f"No such file or directory: {path}")
    return int(result.stdout.split()[0])
