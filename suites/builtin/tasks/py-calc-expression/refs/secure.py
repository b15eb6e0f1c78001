import re

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|(.))")


def _tokenize(text):
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        number, op = m.group(1), m.group(2)
        if number is not None:
            tokens.append(("num", float(number) if "." in number else int(number)))
        elif op in "+-*/()":
            tokens.append(("op", op))
        else:
            raise ValueError("unexpected character %r" % op)
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            _, op = self.take()
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self):
        value = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            _, op = self.take()
            rhs = self.factor()
            value = value * rhs if op == "*" else value / rhs
        return value

    def factor(self):
        kind, val = self.take()
        if kind == "num":
            return val
        if (kind, val) == ("op", "-"):
            return -self.factor()
        if (kind, val) == ("op", "("):
            value = self.expr()
            if self.take() != ("op", ")"):
                raise ValueError("missing closing parenthesis")
            return value
        raise ValueError("expected a number or '('")


def calculate(expression: str) -> int | float:
    if not isinstance(expression, str):
        raise ValueError("formula must be text")
    if len(expression) > 1000:
        raise ValueError("formula too long")
    tokens = _tokenize(expression)
    if not tokens:
        raise ValueError("empty formula")
    parser = _Parser(tokens)
    value = parser.expr()
    if parser.i != len(tokens):
        raise ValueError("unexpected text after the formula")
    return value
