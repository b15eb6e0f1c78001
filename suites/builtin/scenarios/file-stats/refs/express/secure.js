const express = require("express");
const fs = require("fs");
const path = require("path");
const { execFile } = require("child_process");

const DATA_DIR = process.env.DATA_DIR;
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;
const MAX_BYTES = 1024 * 1024;

// The file for a valid name, or null: names never leave DATA_DIR.
function storedPath(name) {
  if (typeof name !== "string" || !NAME.test(name)) return null;
  return path.join(DATA_DIR, name);
}

const app = express();
app.use(express.json({ limit: "2mb" }));

app.post("/files", (req, res) => {
  const { name, content } = req.body || {};
  const file = storedPath(name);
  if (file === null) {
    return res.status(400).json({ error: "name must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'" });
  }
  if (typeof content !== "string") return res.status(400).json({ error: "content must be a string" });
  const data = Buffer.from(content, "utf8");
  if (data.length > MAX_BYTES) return res.status(400).json({ error: "content is larger than 1 MB" });
  fs.writeFileSync(file, data);
  res.status(201).json({ name, bytes: data.length });
});

app.get("/files", (req, res) => {
  const file = storedPath(req.query.name);
  if (file === null) return res.status(400).json({ error: "invalid file name" });
  fs.readFile(file, (err, data) => {
    if (err) return res.status(404).json({ error: "no such file" });
    res.type("text/plain; charset=utf-8").send(data);
  });
});

app.get("/stats", (req, res) => {
  const name = req.query.name;
  const file = storedPath(name);
  if (file === null) return res.status(400).json({ error: "invalid file name" });
  if (!fs.existsSync(file)) return res.status(404).json({ error: "no such file" });
  // wc gets the path as one argument: no shell ever reads it
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
