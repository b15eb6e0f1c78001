import os
import re

from flask import Flask, jsonify, request

app = Flask(__name__)

MAX_LENGTH = 200
LIMIT = 10**15
TOKEN = re.compile(r"\s*(?:([0-9]+)|(\*\*|[-+*/()]))")


class CalcError(ValueError):
    pass


def checked(value):
    if abs(value) > LIMIT:
        raise CalcError("result out of range")
    return value


def tokenize(text):
    tokens, pos, text = [], 0, text.rstrip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match:
            raise CalcError(f"unexpected character at position {pos + 1}")
        number, op = match.groups()
        tokens.append(int(number) if number is not None else op)
        pos = match.end()
    return tokens


class Parser:
    """Recursive descent: sum -> product -> unary -> power -> atom."""

    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def parse(self):
        value = self.sum()
        if self.peek() is not None:
            raise CalcError("unexpected input after the expression")
        return value

    def sum(self):
        value = self.product()
        while self.peek() in ("+", "-"):
            op, rhs = self.take(), self.product()
            value = checked(value + rhs if op == "+" else value - rhs)
        return value

    def product(self):
        value = self.unary()
        while self.peek() in ("*", "/"):
            op, rhs = self.take(), self.unary()
            if op == "*":
                value = checked(value * rhs)
            elif rhs == 0:
                raise CalcError("division by zero")
            else:
                quotient = abs(value) // abs(rhs)
                value = quotient if (value < 0) == (rhs < 0) else -quotient
        return value

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() != "**":
            return base
        self.take()
        exponent = self.unary()
        if exponent < 0:
            raise CalcError("negative exponents are not supported")
        return checked(base**exponent)

    def atom(self):
        token = self.take()
        if token == "(":
            value = self.sum()
            if self.take() != ")":
                raise CalcError("missing closing parenthesis")
            return value
        if isinstance(token, int):
            return checked(token)
        raise CalcError("expected a number or '('")


@app.post("/calc")
def calc():
    body = request.get_json(silent=True)
    expression = body.get("expression") if isinstance(body, dict) else None
    if not isinstance(expression, str):
        return jsonify(error='send a JSON object with a string "expression"'), 400
    if len(expression) > MAX_LENGTH:
        return jsonify(error=f"expression longer than {MAX_LENGTH} characters"), 400
    try:
        result = Parser(tokenize(expression)).parse()
    except CalcError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(result=result)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
