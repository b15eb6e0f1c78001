import json
import os
import stat


def save_credentials(path: str, credentials: dict) -> None:
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(credentials, fh, indent=2, ensure_ascii=False)
    # credentials must only be readable by the owner
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
