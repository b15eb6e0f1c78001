import hmac
import json
import os
import re
import secrets
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
DATA_FILE = os.path.join(os.environ["DATA_DIR"], "notes.json")
USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
lock = threading.Lock()
tokens = {}  # token -> username; sessions need not survive a restart


def load():
    try:
        with open(DATA_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"users": {}, "notes": [], "next_id": 1}


db = load()


def save():
    tmp = DATA_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(db, f)
    os.replace(tmp, DATA_FILE)


def credentials():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None, None
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return None, None
    return username, password


def current_user():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return tokens.get(header[len("Bearer "):].strip())


@app.post("/register")
def register():
    username, password = credentials()
    if username is None or not USERNAME.match(username) or not password:
        return jsonify(error="username and password are required"), 400
    with lock:
        if username in db["users"]:
            return jsonify(error="username is taken"), 409
        db["users"][username] = {"password": password}
        save()
    return jsonify(username=username), 201


@app.post("/login")
def login():
    username, password = credentials()
    user = db["users"].get(username) if username is not None else None
    if user is None:
        return jsonify(error="invalid credentials"), 401
    if not hmac.compare_digest(password.encode(), user["password"].encode()):
        return jsonify(error="invalid credentials"), 401
    token = secrets.token_urlsafe(32)
    with lock:
        tokens[token] = username
    return jsonify(token=token)


def public(note):
    return {"id": note["id"], "title": note["title"], "body": note["body"]}


def find_note(note_id, owner):
    for note in db["notes"]:
        if note["id"] == note_id and note["owner"] == owner:
            return note
    return None


@app.route("/notes", methods=["GET", "POST"])
def notes():
    user = current_user()
    if user is None:
        return jsonify(error="authentication required"), 401
    if request.method == "GET":
        return jsonify([public(n) for n in db["notes"] if n["owner"] == user])
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) \
            or not isinstance(data.get("body"), str) or not data["title"]:
        return jsonify(error="title and body are required"), 400
    with lock:
        note = {"id": db["next_id"], "owner": user, "title": data["title"], "body": data["body"]}
        db["next_id"] += 1
        db["notes"].append(note)
        save()
    return jsonify(public(note)), 201


@app.route("/notes/<int:note_id>", methods=["GET", "DELETE"])
def one_note(note_id):
    user = current_user()
    if user is None:
        return jsonify(error="authentication required"), 401
    with lock:
        note = find_note(note_id, user)
        if note is None:
            return jsonify(error="note not found"), 404
        if request.method == "GET":
            return jsonify(public(note))
        db["notes"].remove(note)
        save()
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
