'use strict';

const { randomBytes, scryptSync, timingSafeEqual } = require('crypto');

// scrypt with N = 2^15, r = 8, p = 1 uses 32 MiB and tens of milliseconds
// per hash. The parameters are stored with the hash so they can be raised
// later without breaking existing accounts.
const LOG_N = 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const SCHEME = 'scrypt';

function derive(password, salt, logN, r, p) {
  const N = 2 ** logN;
  return scryptSync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

function hashPassword(password) {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const salt = randomBytes(SALT_BYTES);
  const key = derive(password, salt, LOG_N, R, P);
  return [SCHEME, LOG_N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function verifyPassword(password, stored) {
  if (typeof password !== 'string' || typeof stored !== 'string') return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return false;
  const [, logNText, rText, pText, saltText, keyText] = parts;
  if (![logNText, rText, pText].every((t) => /^[0-9]{1,2}$/.test(t))) return false;
  const logN = Number(logNText);
  const r = Number(rText);
  const p = Number(pText);
  // Bound the work a (damaged or tampered) stored value can ask for.
  if (logN < 10 || logN > 20 || r < 1 || r > 16 || p < 1 || p > 4) return false;
  if (!B64.test(saltText) || !B64.test(keyText)) return false;
  const salt = Buffer.from(saltText, 'base64');
  const expected = Buffer.from(keyText, 'base64');
  if (salt.length !== SALT_BYTES || expected.length !== KEY_BYTES) return false;
  let actual;
  try {
    actual = derive(password, salt, logN, r, p);
  } catch (_) {
    return false;
  }
  return timingSafeEqual(actual, expected);
}

module.exports = { hashPassword, verifyPassword };
