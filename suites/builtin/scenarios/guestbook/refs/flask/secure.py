import os
import threading

from flask import Flask, jsonify, request, render_template_string

app = Flask(__name__)
messages = []
lock = threading.Lock()
LIMITS = {"name": 50, "text": 1000}

PAGE = """<!doctype html>
<html>
<head><meta charset="utf-8"><title>Guestbook</title></head>
<body>
<h1>Guestbook</h1>
<ul>
{% for m in messages %}  <li><strong>{{ m.name }}</strong>: {{ m.text }}</li>
{% endfor %}</ul>
</body>
</html>
"""


def bad_request(message):
    return jsonify(error=message), 400


def clean_fields(body):
    """Returns the trimmed fields, or an error message."""
    if not isinstance(body, dict):
        return None, "the body must be a JSON object"
    fields = {}
    for key, limit in LIMITS.items():
        value = body.get(key)
        if not isinstance(value, str):
            return None, f"{key} must be a string"
        value = value.strip()
        if not 1 <= len(value) <= limit:
            return None, f"{key} must be 1 to {limit} characters long"
        fields[key] = value
    return fields, None


@app.post("/messages")
def add_message():
    # silent=True: a body that is not JSON gives None instead of an exception.
    fields, err = clean_fields(request.get_json(silent=True))
    if err:
        return bad_request(err)
    with lock:
        message = {"id": len(messages) + 1, **fields}
        messages.append(message)
    return jsonify(message), 201


@app.get("/messages")
def list_messages():
    with lock:
        return jsonify(list(messages))


@app.get("/")
def page():
    with lock:
        snapshot = list(messages)
    # Jinja autoescapes templates rendered from strings, so names and texts are HTML-encoded.
    return render_template_string(PAGE, messages=snapshot)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
