'use strict';

const ORIGIN = 'https://shop.example.com';

function redirectTarget(next) {
  if (typeof next !== 'string' || next === '' || next.length > 2048) return '/';
  // Browsers ignore tabs and newlines in URLs and treat "\" like "/", so
  // judge the target exactly the way the browser will resolve it.
  let url;
  try {
    url = new URL(next, ORIGIN + '/login');
  } catch (_) {
    return '/';
  }
  if (url.origin !== ORIGIN || url.username !== '' || url.password !== '') return '/';
  // A same-site target is kept as the visitor asked for it, but only in a
  // spelling with nothing a browser could reinterpret.
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  if (next.startsWith('/') ? next.startsWith('//') : !next.startsWith(ORIGIN + '/')) return '/';
  return next;
}

module.exports = { redirectTarget };
