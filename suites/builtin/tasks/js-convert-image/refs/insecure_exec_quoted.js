'use strict';
const { exec } = require('child_process');
const fs = require('fs');
const path = require('path');
const util = require('util');

const execAsync = util.promisify(exec);

async function convertToPng(converter, dir, name) {
  if (!name || name.includes('/')) {
    throw new Error(`Invalid file name: ${name}`);
  }
  if (!fs.existsSync(path.join(dir, name))) {
    throw new Error(`Upload not found: ${name}`);
  }
  const ext = path.extname(name);
  const output = (ext ? name.slice(0, -ext.length) : name) + '.png';
  await execAsync(`"${converter}" --quality=85 "${name}" "${output}"`, { cwd: dir });
  return path.join(dir, output);
}

module.exports = { convertToPng };
