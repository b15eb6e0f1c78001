'use strict';

function isValidEmail(address) {
  if (typeof address !== 'string') return false;
  const at = address.indexOf('@');
  if (at <= 0 || address.indexOf('@', at + 1) !== -1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/i.test(local)) return false;
  return /^(?:[a-z0-9]+-?)*[a-z0-9]\.(?:(?:[a-z0-9]+-?)*[a-z0-9]\.)*[a-z]{2,}$/i.test(domain);
}

module.exports = { isValidEmail };
