'use strict';

const crypto = require('crypto');

const HEADER = /^sha256=([0-9a-f]{64})$/;

function verifyWebhook(rawBody, signatureHeader, secret) {
  if (typeof signatureHeader !== 'string') return false;
  const match = HEADER.exec(signatureHeader);
  if (!match) return false;
  const received = Buffer.from(match[1], 'hex');
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  return received.length === expected.length && received.equals(expected);
}

module.exports = { verifyWebhook };
