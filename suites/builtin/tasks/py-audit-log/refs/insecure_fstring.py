from datetime import datetime, timezone


def append_audit(log_path: str, user: str, action: str, detail: str, when: datetime) -> None:
    timestamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{timestamp} {user} {action} {detail}\n")
