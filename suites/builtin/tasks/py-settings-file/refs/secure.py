import ast
import re

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ALLOWED = (str, int, float, bool, type(None), list, dict)


def _plain(value):
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) or _plain(k) for k in value) and all(_plain(v) for v in value.values())
    return isinstance(value, _ALLOWED) and not isinstance(value, complex)


def load_settings(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    settings = {}
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value_text = stripped.partition("=")
        name = name.strip()
        value_text = value_text.strip()
        if not sep or not _NAME.match(name) or not value_text:
            raise ValueError("line %d: expected `name = value`" % number)
        if len(value_text) > 100_000:
            raise ValueError("line %d: value too long" % number)
        try:
            value = ast.literal_eval(value_text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
            raise ValueError("line %d: value is not a literal" % number) from exc
        if not _plain(value):
            raise ValueError("line %d: unsupported kind of value" % number)
        settings[name] = value
    return settings
