const fs = require("fs");
const path = require("path");
const express = require("express");

const FILES = path.join(fs.realpathSync(process.env.DATA_DIR), "files");
fs.mkdirSync(FILES, { recursive: true });
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ALLOWED = [".txt", ".png", ".jpg", ".pdf"];

// The file a name refers to, or null when the name is not acceptable.
function storedPath(name) {
  if (typeof name !== "string" || name.length === 0 || name.length > 200) return null;
  const parts = name.split("/");
  if (!parts.every((part) => PART.test(part))) return null;
  if (!ALLOWED.includes(path.extname(name).toLowerCase())) return null;
  const full = path.resolve(FILES, ...parts);
  if (!full.startsWith(FILES + path.sep)) return null;
  return full;
}

function listFiles(dir, prefix, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) listFiles(path.join(dir, entry.name), rel + "/", out);
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

const app = express();

app.post("/upload", express.raw({ type: () => true, limit: "1mb" }), (req, res) => {
  const name = req.query.name;
  const file = storedPath(name);
  if (!file) return res.status(400).json({ error: "invalid file name" });
  const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  } catch (err) {
    return res.status(409).json({ error: "cannot store a file under this name" });
  }
  res.status(201).json({ name, size: data.length });
});

app.get("/download", (req, res) => {
  const name = String(req.query.name || "");
  if (!ALLOWED.includes(path.extname(name).toLowerCase())) {
    return res.status(400).json({ error: "invalid file name" });
  }
  const file = path.join(FILES, name);
  let data;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    return res.status(404).json({ error: "no such file" });
  }
  res.type(path.extname(file).toLowerCase()).send(data);
});

app.get("/files", (req, res) => {
  res.json(listFiles(FILES, "", []).sort());
});

app.use((err, req, res, next) => {
  res.status(err.status || 500).json({ error: err.status === 413 ? "file too large" : "bad request" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
