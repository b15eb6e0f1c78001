'use strict';

const MAX_DEPTH = 32;

function fail(status, message) {
  return Object.assign(new Error(message), { status });
}

function checkDepth(value, depth = 1) {
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_DEPTH) throw fail(400, 'Body nested too deeply');
  for (const key of Object.keys(value)) checkDepth(value[key], depth + 1);
}

async function readJsonBody(body, limit) {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  if (Buffer.byteLength(text, 'utf8') > limit) {
    throw fail(413, 'Body exceeds limit');
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail(400, 'Malformed JSON');
  }
  checkDepth(parsed);
  return parsed;
}

module.exports = { readJsonBody };
