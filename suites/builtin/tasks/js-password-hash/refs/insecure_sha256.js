'use strict';

const crypto = require('crypto');

function hashPassword(password) {
  return crypto.createHash('sha256').update(password).digest('hex');
}

function verifyPassword(password, stored) {
  if (typeof stored !== 'string' || stored.length !== 64) return false;
  const candidate = Buffer.from(hashPassword(password), 'hex');
  const expected = Buffer.from(stored, 'hex');
  if (expected.length !== candidate.length) return false;
  return crypto.timingSafeEqual(candidate, expected);
}

module.exports = { hashPassword, verifyPassword };
