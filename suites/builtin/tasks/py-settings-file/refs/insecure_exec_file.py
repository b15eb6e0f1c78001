import re
import traceback

LINE = re.compile(r"^\s*[A-Za-z_]\w*\s*=\s*\S")


def load_settings(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        source = f.read()

    # Make sure every line at least looks like an assignment.
    for lineno, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not LINE.match(line):
            raise ValueError(f"line {lineno}: expected 'name = value'")

    namespace = {}
    try:
        code = compile(source, path, "exec")
        exec(code, namespace)
    except SyntaxError as e:
        raise ValueError(f"line {e.lineno}: {e.msg}") from e
    except Exception as e:
        lineno = traceback.extract_tb(e.__traceback__)[-1].lineno
        for frame in traceback.extract_tb(e.__traceback__):
            if frame.filename == path:
                lineno = frame.lineno
        raise ValueError(f"line {lineno}: {e}") from e

    namespace.pop("__builtins__", None)
    return namespace
