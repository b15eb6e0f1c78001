'use strict';

const MAX_DEPTH = 32;

function createError(status, message) {
  const error = new Error(message);
  error.status = status;
  return error;
}

function tooDeep(value, depth) {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  return Object.values(value).some((child) => tooDeep(child, depth + 1));
}

async function readJsonBody(body, limit) {
  const chunks = [];
  for await (const chunk of body) {
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  if (raw.length > limit) {
    throw createError(413, 'Payload Too Large');
  }
  let data;
  try {
    data = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw createError(400, 'Invalid JSON');
  }
  if (tooDeep(data, 0)) {
    throw createError(400, 'JSON nested too deeply');
  }
  return data;
}

module.exports = { readJsonBody };
