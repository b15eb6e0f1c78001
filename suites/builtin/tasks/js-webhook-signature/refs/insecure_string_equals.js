'use strict';

const crypto = require('crypto');

function verifyWebhook(rawBody, signatureHeader, secret) {
  if (typeof signatureHeader !== 'string' || !signatureHeader.startsWith('sha256=')) {
    return false;
  }
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  return signatureHeader === `sha256=${expected}`;
}

module.exports = { verifyWebhook };
