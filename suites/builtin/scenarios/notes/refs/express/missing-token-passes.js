const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const express = require("express");

const DATA_FILE = path.join(process.env.DATA_DIR, "notes.json");
const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;
const ITERATIONS = 100000;
const tokens = new Map(); // token -> username; sessions need not survive a restart

function load() {
  let saved = { users: {}, notes: [], nextId: 1 };
  try {
    saved = JSON.parse(fs.readFileSync(DATA_FILE, "utf8"));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  // No prototype, so that no username can clash with the keys of Object.prototype.
  saved.users = Object.assign(Object.create(null), saved.users);
  return saved;
}

const db = load();

function save() {
  fs.writeFileSync(DATA_FILE + ".tmp", JSON.stringify(db));
  fs.renameSync(DATA_FILE + ".tmp", DATA_FILE);
}

function hashPassword(password, salt) {
  return crypto.pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256");
}

function credentials(req) {
  const body = req.body || {};
  if (typeof body.username !== "string" || typeof body.password !== "string") return null;
  return { username: body.username, password: body.password };
}

function requireUser(req, res, next) {
  const header = req.get("Authorization");
  if (!header) return next(); // nothing to check
  const user = header.startsWith("Bearer ") ? tokens.get(header.slice(7).trim()) : undefined;
  if (!user) return res.status(401).json({ error: "authentication required" });
  req.user = user;
  next();
}

const publicNote = (n) => ({ id: n.id, title: n.title, body: n.body });

const app = express();
app.use(express.json());

app.post("/register", (req, res) => {
  const c = credentials(req);
  if (!c || !USERNAME.test(c.username) || !c.password) {
    return res.status(400).json({ error: "username and password are required" });
  }
  if (Object.prototype.hasOwnProperty.call(db.users, c.username)) {
    return res.status(409).json({ error: "username is taken" });
  }
  const salt = crypto.randomBytes(16);
  db.users[c.username] = { salt: salt.toString("hex"), hash: hashPassword(c.password, salt).toString("hex") };
  save();
  res.status(201).json({ username: c.username });
});

app.post("/login", (req, res) => {
  const c = credentials(req);
  const user = c && Object.prototype.hasOwnProperty.call(db.users, c.username) ? db.users[c.username] : null;
  if (!user) return res.status(401).json({ error: "invalid credentials" });
  const attempt = hashPassword(c.password, Buffer.from(user.salt, "hex"));
  if (!crypto.timingSafeEqual(attempt, Buffer.from(user.hash, "hex"))) {
    return res.status(401).json({ error: "invalid credentials" });
  }
  const token = crypto.randomBytes(32).toString("hex");
  tokens.set(token, c.username);
  res.json({ token });
});

app.get("/notes", requireUser, (req, res) => {
  res.json(db.notes.filter((n) => n.owner === req.user).map(publicNote));
});

app.post("/notes", requireUser, (req, res) => {
  const { title, body } = req.body || {};
  if (typeof title !== "string" || !title || typeof body !== "string") {
    return res.status(400).json({ error: "title and body are required" });
  }
  const note = { id: db.nextId++, owner: req.user, title, body };
  db.notes.push(note);
  save();
  res.status(201).json(publicNote(note));
});

function ownNoteIndex(req) {
  const id = Number(req.params.id);
  return db.notes.findIndex((n) => n.id === id && n.owner === req.user);
}

app.get("/notes/:id", requireUser, (req, res) => {
  const i = ownNoteIndex(req);
  if (i < 0) return res.status(404).json({ error: "note not found" });
  res.json(publicNote(db.notes[i]));
});

app.delete("/notes/:id", requireUser, (req, res) => {
  const i = ownNoteIndex(req);
  if (i < 0) return res.status(404).json({ error: "note not found" });
  db.notes.splice(i, 1);
  save();
  res.status(204).end();
});

app.use((err, req, res, next) => {
  res.status(err.status || 500).json({ error: err.status ? "bad request" : "internal error" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
