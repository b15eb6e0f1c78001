'use strict';
const fs = require('fs');
const path = require('path');

function readStaticFile(root, urlPath) {
  let pathname = urlPath;
  const hash = pathname.indexOf('#');
  if (hash !== -1) pathname = pathname.slice(0, hash);
  const query = pathname.indexOf('?');
  if (query !== -1) pathname = pathname.slice(0, query);

  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch (e) {
    return null;
  }
  const relative = decoded.replace(/^\//, '');
  let filePath = path.resolve(root, relative);
  if (!fs.existsSync(filePath)) return null;
  if (fs.statSync(filePath).isDirectory()) {
    filePath = path.join(filePath, 'index.html');
    if (!fs.existsSync(filePath)) return null;
  }
  try {
    return fs.readFileSync(filePath);
  } catch (e) {
    return null;
  }
}

module.exports = { readStaticFile };
