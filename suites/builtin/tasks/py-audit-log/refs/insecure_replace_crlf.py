from datetime import datetime, timezone


def _sanitize(value: str) -> str:
    # keep each audit entry on one line
    return value.replace("\r", "\\r").replace("\n", "\\n")


def append_audit(log_path: str, user: str, action: str, detail: str, when: datetime) -> None:
    ts = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = " ".join([ts, _sanitize(user), _sanitize(action), _sanitize(detail)])
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(entry + "\n")
