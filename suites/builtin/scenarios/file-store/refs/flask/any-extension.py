import mimetypes
import os
import re

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
FILES = os.path.realpath(os.path.join(os.environ["DATA_DIR"], "files"))
os.makedirs(FILES, exist_ok=True)
PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def stored_path(name):
    """The file a name refers to, or None when the name is not acceptable."""
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        return None
    parts = name.split("/")
    if not all(PART.match(part) for part in parts):
        return None
    path = os.path.realpath(os.path.join(FILES, *parts))
    if os.path.commonpath([FILES, path]) != FILES:
        return None
    return path


def content_type(name):
    return mimetypes.guess_type(name.lower())[0] or "application/octet-stream"


@app.post("/upload")
def upload():
    name = request.args.get("name")
    path = stored_path(name)
    if path is None:
        return jsonify(error="invalid file name"), 400
    data = request.get_data()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError:
        return jsonify(error="cannot store a file under this name"), 409
    return jsonify(name=name, size=len(data)), 201


@app.get("/download")
def download():
    path = stored_path(request.args.get("name"))
    if path is None:
        return jsonify(error="invalid file name"), 400
    if not os.path.isfile(path):
        return jsonify(error="no such file"), 404
    with open(path, "rb") as f:
        data = f.read()
    return Response(data, content_type=content_type(path))


@app.get("/files")
def list_files():
    names = []
    for root, _, files in os.walk(FILES):
        for file in files:
            names.append(os.path.relpath(os.path.join(root, file), FILES).replace(os.sep, "/"))
    return jsonify(sorted(names))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
