def calculate(expression: str) -> int | float:
    if not expression or not expression.strip():
        raise ValueError("empty formula")
    try:
        result = eval(expression)
    except ZeroDivisionError:
        raise
    except Exception as exc:
        raise ValueError(f"invalid formula: {expression!r}") from exc
    if not isinstance(result, (int, float)):
        raise ValueError(f"invalid formula: {expression!r}")
    return result
