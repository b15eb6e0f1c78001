import re

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def load_settings(path: str) -> dict:
    settings = {}
    with open(path, "r", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ValueError(f"Syntax error on line {lineno}: missing '='")
            key, value = line.split("=", 1)
            key, value = key.strip(), value.strip()
            if not NAME_RE.match(key):
                raise ValueError(f"Invalid setting name {key!r} on line {lineno}")
            if not value:
                raise ValueError(f"Missing value on line {lineno}")
            try:
                settings[key] = eval(value, {}, {})
            except Exception as exc:
                raise ValueError(f"Invalid value on line {lineno}: {exc}") from exc
    return settings
