'use strict';

const SITE = 'https://shop.example.com';

function redirectTarget(next) {
  if (!next) return '/';
  if (next.startsWith('/') || next.startsWith(SITE)) return next;
  return '/';
}

module.exports = { redirectTarget };
