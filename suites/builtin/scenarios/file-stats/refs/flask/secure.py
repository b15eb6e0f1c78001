import os
import re

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024

DATA_DIR = os.environ["DATA_DIR"]
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
MAX_BYTES = 1024 * 1024


def stored_path(name):
    """The file for a valid name, or None: names never leave DATA_DIR."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return None
    return os.path.join(DATA_DIR, name)


def error(status, message):
    return jsonify(error=message), status


@app.post("/files")
def upload():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "send a JSON object with name and content")
    path, content = stored_path(body.get("name")), body.get("content")
    if path is None:
        return error(400, "name must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'")
    if not isinstance(content, str):
        return error(400, "content must be a string")
    data = content.encode("utf-8")
    if len(data) > MAX_BYTES:
        return error(400, "content is larger than 1 MB")
    with open(path, "wb") as f:
        f.write(data)
    return jsonify(name=body["name"], bytes=len(data)), 201


@app.get("/files")
def download():
    name = request.args.get("name", "")
    path = stored_path(name)
    if path is None:
        return error(400, "invalid file name")
    if not os.path.isfile(path):
        return error(404, "no such file")
    with open(path, "rb") as f:
        return Response(f.read(), mimetype="text/plain", content_type="text/plain; charset=utf-8")


@app.get("/stats")
def stats():
    name = request.args.get("name", "")
    path = stored_path(name)
    if path is None:
        return error(400, "invalid file name")
    if not os.path.isfile(path):
        return error(404, "no such file")
    with open(path, "rb") as f:
        data = f.read()
    # the same counts as wc: newlines, runs of non-whitespace, bytes
    return jsonify(name=name, lines=data.count(b"\n"), words=len(data.split()), bytes=len(data))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
