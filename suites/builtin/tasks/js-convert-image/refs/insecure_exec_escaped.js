'use strict';
const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');

// Wrap an argument in double quotes for the shell.
function quote(arg) {
  return '"' + arg.replace(/(["\\])/g, '\\$1') + '"';
}

async function convertToPng(converter, dir, name) {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new Error('invalid upload name');
  }
  const inputPath = path.join(dir, name);
  if (!fs.existsSync(inputPath) || !fs.statSync(inputPath).isFile()) {
    throw new Error(`upload ${name} does not exist`);
  }
  const parsed = path.parse(name);
  const outName = parsed.name + '.png';
  const cmd = [quote(converter), '--quality=85', quote(name), quote(outName)].join(' ');
  try {
    execSync(cmd, { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    throw new Error(`conversion failed for ${name}: ${err.stderr ? err.stderr.toString().trim() : err.message}`);
  }
  return path.join(dir, outName);
}

module.exports = { convertToPng };
