import os
import re
import subprocess

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024

DATA_DIR = os.path.realpath(os.environ["DATA_DIR"])
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
MAX_BYTES = 1024 * 1024


def inside_data_dir(name):
    """The resolved path for name, or None when it would leave DATA_DIR."""
    path = os.path.realpath(os.path.join(DATA_DIR, name))
    return path if path.startswith(DATA_DIR + os.sep) else None


def error(status, message):
    return jsonify(error=message), status


@app.post("/files")
def upload():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "send a JSON object with name and content")
    name, content = body.get("name"), body.get("content")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return error(400, "name must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'")
    if not isinstance(content, str):
        return error(400, "content must be a string")
    data = content.encode("utf-8")
    if len(data) > MAX_BYTES:
        return error(400, "content is larger than 1 MB")
    with open(os.path.join(DATA_DIR, name), "wb") as f:
        f.write(data)
    return jsonify(name=name, bytes=len(data)), 201


@app.get("/files")
def download():
    name = request.args.get("name", "")
    path = inside_data_dir(name)
    if path is None:
        return error(400, "invalid file name")
    if not os.path.isfile(path):
        return error(404, "no such file")
    with open(path, "rb") as f:
        return Response(f.read(), content_type="text/plain; charset=utf-8")


@app.get("/stats")
def stats():
    name = request.args.get("name", "")
    path = inside_data_dir(name)
    if path is None:
        return error(400, "invalid file name")
    # wc already knows how to count; it fails when the file is missing
    run = subprocess.run(f"wc -l -w -c {path}", shell=True, capture_output=True, text=True)
    if run.returncode != 0:
        return error(404, "no such file")
    lines, words, size = (int(n) for n in run.stdout.split()[:3])
    return jsonify(name=name, lines=lines, words=words, bytes=size)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
