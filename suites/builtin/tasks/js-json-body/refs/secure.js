'use strict';

const MAX_DEPTH = 32;

function httpError(status, message) {
  const err = new Error(message);
  err.status = status;
  return err;
}

// The deepest nesting of arrays and objects in a JSON text, found by one
// pass over the characters (no recursion), skipping string contents.
// Stops counting as soon as `max` is exceeded.
function nestingExceeds(text, max) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i += 1; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

async function readJsonBody(body, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > limit) {
      // Leaving the loop early closes the iterator, so nothing more is read.
      throw httpError(413, 'request body is larger than ' + limit + ' bytes');
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (nestingExceeds(text, MAX_DEPTH)) {
    throw httpError(400, 'request body is nested more than ' + MAX_DEPTH + ' levels deep');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw httpError(400, 'request body is not valid JSON');
  }
}

module.exports = { readJsonBody };
