const express = require("express");

const app = express();
const messages = [];
const LIMITS = { name: 50, text: 1000 };

function escapeHtml(text) {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// The body is read by hand instead of with express.json(). The weakness: the
// 'end' callback runs outside Express's error handling, so when JSON.parse
// throws (bad JSON, empty body) or .trim() meets a number or a list, the
// exception is uncaught and Node ends the whole process.
app.post("/messages", (req, res) => {
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => {
    raw += chunk;
  });
  req.on("end", () => {
    const body = JSON.parse(raw);
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

app.listen(Number(process.env.PORT), "127.0.0.1");
