'use strict';

function redirectTarget(next) {
  if (typeof next !== 'string' || next.length === 0) return '/';
  if (next.startsWith('/') && !next.startsWith('//')) return next;
  if (/https:\/\/shop\.example\.com\//.test(next)) return next;
  return '/';
}

module.exports = { redirectTarget };
