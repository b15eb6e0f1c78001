import json
import os


def save_credentials(path: str, credentials: dict) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    # create the file readable by the owner only
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(credentials, f)
