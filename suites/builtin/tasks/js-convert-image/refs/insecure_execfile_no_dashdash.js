'use strict';
const { execFile } = require('child_process');
const fs = require('fs/promises');
const path = require('path');
const { promisify } = require('util');

const execFileAsync = promisify(execFile);

async function convertToPng(converter, dir, name) {
  if (!name || name !== path.basename(name) || name === '.' || name === '..') {
    throw new Error(`invalid file name: ${JSON.stringify(name)}`);
  }
  await fs.access(path.join(dir, name));
  const base = name.includes('.') && !name.startsWith('.') ? name.slice(0, name.lastIndexOf('.')) : name;
  const outName = `${base}.png`;
  // No shell involved: arguments are passed to imgconv as they are.
  await execFileAsync(converter, ['--quality=85', name, outName], { cwd: dir });
  return path.join(dir, outName);
}

module.exports = { convertToPng };
