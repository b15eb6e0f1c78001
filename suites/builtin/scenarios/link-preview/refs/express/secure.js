const express = require("express");

const app = express();
const SITE = new URL(process.env.UPSTREAM_URL);
const MAX_BYTES = 1 << 20;

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

// Decodes the character references an HTML title may hold.
function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const named = ENTITIES[ref.toLowerCase()];
    return named === undefined ? whole : named;
  });
}

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// Returns the URL when it may be fetched, or null.
function checkUrl(raw) {
  if (typeof raw !== "string" || raw === "") return null;
  let u;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  // Same scheme, host and port as the site, and no user name or password.
  if (u.protocol !== SITE.protocol || u.host !== SITE.host || u.username !== "" || u.password !== "") {
    return null;
  }
  return raw;
}

async function fetchTitle(url) {
  try {
    const resp = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(3000) });
    if (resp.status !== 200) return null;
    const body = (await resp.text()).slice(0, MAX_BYTES);
    const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body);
    return m ? decodeEntities(m[1]).trim() : null;
  } catch {
    return null;
  }
}

async function preview(req, res) {
  const url = checkUrl(req.query.url);
  if (url === null) {
    res.status(400).json({ error: "url must be a page of the configured site" });
    return null;
  }
  const title = await fetchTitle(url);
  if (title === null) {
    res.status(502).json({ error: "the page could not be fetched or has no title" });
    return null;
  }
  return { url, title };
}

app.get("/preview", async (req, res) => {
  const data = await preview(req, res);
  if (data) res.json(data);
});

app.get("/card", async (req, res) => {
  const data = await preview(req, res);
  if (!data) return;
  res
    .type("html")
    .send(`<div class="card"><a href="${escapeHtml(data.url)}">${escapeHtml(data.title)}</a></div>\n`);
});

app.listen(Number(process.env.PORT), "127.0.0.1");
