const express = require("express");
const fs = require("fs");
const path = require("path");
const { execFile } = require("child_process");

const DATA_DIR = process.env.DATA_DIR;
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
const MAX_BYTES = 1024 * 1024;

const app = express();
app.use(express.json({ limit: "2mb" }));

app.post("/files", (req, res) => {
  const { name, content } = req.body || {};
  if (typeof name !== "string" || !NAME.test(name)) {
    return res.status(400).json({ error: "name must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'" });
  }
  if (typeof content !== "string") return res.status(400).json({ error: "content must be a string" });
  const data = Buffer.from(content, "utf8");
  if (data.length > MAX_BYTES) return res.status(400).json({ error: "content is larger than 1 MB" });
  fs.writeFileSync(path.join(DATA_DIR, name), data);
  res.status(201).json({ name, bytes: data.length });
});

// Only uploaded files exist in DATA_DIR, so lookups just resolve the name there.
function lookup(name) {
  return path.resolve(DATA_DIR, String(name || ""));
}

app.get("/files", (req, res) => {
  fs.readFile(lookup(req.query.name), (err, data) => {
    if (err) return res.status(404).json({ error: "no such file" });
    res.type("text/plain; charset=utf-8").send(data);
  });
});

app.get("/stats", (req, res) => {
  const name = req.query.name;
  const file = lookup(name);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    return res.status(404).json({ error: "no such file" });
  }
  execFile("/usr/bin/wc", ["-l", "-w", "-c", "--", file], (err, stdout) => {
    if (err) return res.status(500).json({ error: "could not count the file" });
    const [lines, words, bytes] = stdout.trim().split(/\s+/).map(Number);
    res.json({ name, lines, words, bytes });
  });
});

app.use((err, req, res, next) => {
  res.status(err.status && err.status < 500 ? err.status : 500).json({ error: "bad request" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
