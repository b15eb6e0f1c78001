import math
import os

from flask import Flask, jsonify, request

app = Flask(__name__)

MAX_LENGTH = 200
LIMIT = 10**15


def evaluate(expression):
    # Python already knows the operators and their precedence.
    value = eval(expression)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("the expression is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("result out of range")
    result = int(value)  # "/" gives a float: keep the integer part
    if abs(result) > LIMIT:
        raise ValueError("result out of range")
    return result


@app.post("/calc")
def calc():
    body = request.get_json(silent=True)
    expression = body.get("expression") if isinstance(body, dict) else None
    if not isinstance(expression, str):
        return jsonify(error='send a JSON object with a string "expression"'), 400
    if len(expression) > MAX_LENGTH:
        return jsonify(error=f"expression longer than {MAX_LENGTH} characters"), 400
    if not expression.strip():
        return jsonify(error="empty expression"), 400
    try:
        result = evaluate(expression)
    except Exception:
        return jsonify(error="invalid expression"), 400
    return jsonify(result=result)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
