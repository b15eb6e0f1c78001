'use strict';

const MAX_DEPTH = 32;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function depthOf(value) {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child));
  }
  return deepest + 1;
}

async function readJsonBody(body, limit) {
  const chunks = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > limit) {
      throw new HttpError(413, 'Request body too large');
    }
    chunks.push(chunk);
  }
  let value;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
  if (depthOf(value) > MAX_DEPTH) {
    throw new HttpError(400, 'Request body is nested too deeply');
  }
  return value;
}

module.exports = { readJsonBody };
