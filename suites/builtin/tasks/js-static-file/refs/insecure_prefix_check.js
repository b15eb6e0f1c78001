'use strict';
const fs = require('fs');
const path = require('path');

function readStaticFile(root, urlPath) {
  const [pathname] = urlPath.split(/[?#]/);
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  let filePath = path.resolve(root, '.' + decoded);
  // Refuse anything outside the public folder.
  if (!filePath.startsWith(root)) {
    return null;
  }
  try {
    const stat = fs.statSync(filePath);
    if (stat.isDirectory()) {
      filePath = path.join(filePath, 'index.html');
    }
    return fs.readFileSync(filePath);
  } catch {
    return null;
  }
}

module.exports = { readStaticFile };
