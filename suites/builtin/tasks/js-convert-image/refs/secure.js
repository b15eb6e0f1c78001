'use strict';
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');

function pngName(name) {
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name) + '.png';
}

function run(file, args, options) {
  return new Promise((resolve, reject) => {
    execFile(file, args, options, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`imgconv failed: ${String(stderr || err.message).trim()}`));
      } else {
        resolve();
      }
    });
  });
}

async function convertToPng(converter, dir, name) {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error('not a plain file name: ' + JSON.stringify(name));
  }
  const input = path.join(dir, name);
  let stat;
  try {
    stat = await fs.promises.stat(input);
  } catch (_) {
    throw new Error('no such upload: ' + name);
  }
  if (!stat.isFile()) throw new Error('not a file: ' + name);
  const output = pngName(name);
  // An argument vector reaches imgconv as is, with no shell in between;
  // "--" ends the option list, so a name starting with "-" stays a name.
  await run(converter, ['--quality=85', '--', name, output], { cwd: dir, timeout: 60000 });
  return path.join(dir, output);
}

module.exports = { convertToPng };
