'use strict';
const fs = require('fs');
const path = require('path');

function readStaticFile(root, urlPath) {
  const pathname = urlPath.split('?')[0].split('#')[0];
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch (err) {
    return null;
  }
  let filePath = path.join(root, decoded);
  try {
    if (fs.statSync(filePath).isDirectory()) {
      filePath = path.join(filePath, 'index.html');
    }
    return fs.readFileSync(filePath);
  } catch (err) {
    return null;
  }
}

module.exports = { readStaticFile };
