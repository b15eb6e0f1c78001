'use strict';

const { createHmac, timingSafeEqual } = require('crypto');

const PREFIX = 'sha256=';
const DIGEST_HEX = /^[0-9a-f]{64}$/;

function verifyWebhook(rawBody, signatureHeader, secret) {
  if (typeof signatureHeader !== 'string' || !signatureHeader.startsWith(PREFIX)) return false;
  const hex = signatureHeader.slice(PREFIX.length);
  // The length of a digest is public, so refusing a malformed one early
  // tells a sender nothing about the secret.
  if (!DIGEST_HEX.test(hex)) return false;
  if (!Buffer.isBuffer(rawBody) || typeof secret !== 'string' || secret === '') return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(hex, 'hex');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

module.exports = { verifyWebhook };
