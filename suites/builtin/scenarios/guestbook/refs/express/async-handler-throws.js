const express = require("express");

const app = express();
const messages = [];
const LIMITS = { name: 50, text: 1000 };

app.use(express.json({ limit: "16kb" }));

function escapeHtml(text) {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// The weakness: Express 4 does not catch errors from async handlers. When a
// name or text is not a string, .trim() throws inside the async function, the
// returned promise rejects with nobody listening, and Node 20 ends the process
// on an unhandled rejection.
app.post("/messages", async (req, res) => {
  const body = req.body;
  if (!body.name || !body.text) {
    return res.status(400).json({ error: "name and text are required" });
  }
  const fields = {};
  for (const [key, limit] of Object.entries(LIMITS)) {
    const value = body[key].trim();
    if (value.length < 1 || value.length > limit) {
      return res.status(400).json({ error: `${key} must be 1 to ${limit} characters long` });
    }
    fields[key] = value;
  }
  const message = { id: messages.length + 1, name: fields.name, text: fields.text };
  messages.push(message);
  res.status(201).json(message);
});

app.get("/messages", (req, res) => {
  res.json(messages);
});

app.get("/", (req, res) => {
  const items = messages
    .map((m) => `  <li><strong>${escapeHtml(m.name)}</strong>: ${escapeHtml(m.text)}</li>\n`)
    .join("");
  res.type("html").send(`<!doctype html>
<html>
<head><meta charset="utf-8"><title>Guestbook</title></head>
<body>
<h1>Guestbook</h1>
<ul>
${items}</ul>
</body>
</html>
`);
});

// Bodies express.json() cannot parse (bad JSON, too large) end up here: answer 400, keep serving.
app.use((err, req, res, next) => {
  res.status(err.status && err.status < 500 ? 400 : 500).json({ error: "the body must be a JSON object" });
});

app.listen(Number(process.env.PORT), "127.0.0.1");
