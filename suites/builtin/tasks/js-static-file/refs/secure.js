'use strict';
const fs = require('fs');
const path = require('path');

function readStaticFile(root, urlPath) {
  if (typeof root !== 'string' || typeof urlPath !== 'string') return null;
  const cut = urlPath.search(/[?#]/);
  const raw = cut === -1 ? urlPath : urlPath.slice(0, cut);
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch (_) {
    return null;
  }
  if (decoded.includes('\0')) return null;

  // Resolve "." and ".." as segments of an absolute URL path: they can
  // never climb above "/", which is the public folder itself. Only then
  // is the path placed under the folder, and the result is checked again
  // against the folder followed by a separator.
  const base = path.resolve(root);
  const clean = path.posix.normalize('/' + decoded);
  let target = path.join(base, clean);
  if (target !== base && !target.startsWith(base + path.sep)) return null;

  try {
    let stat = fs.statSync(target);
    if (stat.isDirectory()) {
      target = path.join(target, 'index.html');
      stat = fs.statSync(target);
    }
    if (!stat.isFile()) return null;
    // A symbolic link inside the folder must not lead out of it either.
    const real = fs.realpathSync(target);
    const realBase = fs.realpathSync(base);
    if (!real.startsWith(realBase + path.sep)) return null;
    return fs.readFileSync(real);
  } catch (_) {
    return null;
  }
}

module.exports = { readStaticFile };
