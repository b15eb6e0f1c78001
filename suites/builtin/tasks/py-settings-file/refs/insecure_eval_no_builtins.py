import re

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$")
_SAFE_GLOBALS = {"__builtins__": {}, "True": True, "False": False, "None": None}


def load_settings(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    result = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line == "" or line[0] == "#":
            continue
        m = _ASSIGN.match(line)
        if m is None:
            raise ValueError("line %d: not a valid setting" % n)
        name, expr = m.groups()
        # No builtins available, so values can only be plain literals.
        try:
            result[name] = eval(expr, dict(_SAFE_GLOBALS), {})
        except Exception as e:
            raise ValueError("line %d: bad value (%s)" % (n, e)) from None
    return result
