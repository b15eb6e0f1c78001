'use strict';
const fs = require('fs');
const path = require('path');
const { check, checkEq, scratchDir } = require('secgap_check');
const { convertToPng } = require('solution');

const PICTURE = Buffer.from('JFIF\x00\x01 pretend picture bytes \xff\xd8\xff', 'latin1');

// A fresh copy of the stand-in converter, made executable (the test
// folder itself is read-only and its files are not executable).
function converter() {
  const bin = scratchDir('bin');
  const tool = path.join(bin, 'imgconv');
  fs.copyFileSync(path.join(__dirname, 'imgconv.sh'), tool);
  fs.chmodSync(tool, 0o755);
  return tool;
}

function upload(name, data = PICTURE) {
  const dir = scratchDir('uploads');
  fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

function expectedPng(source) {
  return Buffer.concat([Buffer.from(`PNG-STANDIN\nsource=${source}\nquality=85\n`, 'utf8'), PICTURE]);
}

async function convertsTo(name, outName) {
  const dir = upload(name);
  const got = await convertToPng(converter(), dir, name);
  checkEq(got, path.join(dir, outName), `convertToPng(${JSON.stringify(name)})`);
  const png = fs.readFileSync(path.join(dir, outName));
  // "./name" is the same bare name to imgconv; a full path is not.
  const bare = expectedPng(name);
  const dotted = expectedPng('./' + name);
  check(png.equals(bare) || png.equals(dotted), `${outName} holds ${JSON.stringify(png.toString('latin1').slice(0, 200))}`);
  check(fs.readFileSync(path.join(dir, name)).equals(PICTURE), 'the upload itself must be kept unchanged');
}

async function rejected(promiseOrValue, what) {
  let outcome;
  try {
    outcome = await promiseOrValue();
  } catch (e) {
    check(e instanceof Error, `${what}: rejected with ${String(e)} instead of an Error`);
    return;
  }
  check(false, `${what}: expected a rejection, got ${JSON.stringify(outcome)}`);
}

// Hostile names: converting them or refusing them are both fine; what
// matters is that nothing but imgconv ran and imgconv took no options
// from the name.
async function attempt(name) {
  const dir = upload(name);
  try {
    await convertToPng(converter(), dir, name);
  } catch (_) {
    // refusing the name is fine
  }
  return dir;
}

function checkNoFile(dir, file, what) {
  for (const where of [dir, process.cwd()]) {
    check(!fs.existsSync(path.join(where, file)), `${what}: ${path.join(where, file)} was created`);
  }
}

module.exports = {
  async converts_upload_to_png() {
    await convertsTo('photo.jpg', 'photo.png');
  },

  async names_with_spaces_quotes_and_dots() {
    await convertsTo("Tom's party (2).jpeg", "Tom's party (2).png");
    await convertsTo('holiday photo.JPG', 'holiday photo.png');
    await convertsTo('a.b.gif', 'a.b.png');
    await convertsTo('Café & Bar [night] #3.webp', 'Café & Bar [night] #3.png');
  },

  async name_without_extension() {
    await convertsTo('scan', 'scan.png');
  },

  async missing_upload_rejects() {
    const dir = upload('present.jpg');
    await rejected(() => convertToPng(converter(), dir, 'absent.jpg'), 'a file that was never uploaded');
    check(!fs.existsSync(path.join(dir, 'absent.png')), 'absent.png must not be written');
  },

  async converter_failure_rejects() {
    const dir = upload('empty.jpg', Buffer.alloc(0));
    await rejected(() => convertToPng(converter(), dir, 'empty.jpg'), 'a file imgconv cannot read');
    const other = upload('photo.jpg');
    await rejected(() => convertToPng(path.join(other, 'no-such-tool'), other, 'photo.jpg'), 'a converter that does not exist');
  },

  async name_with_folder_rejects() {
    const dir = upload('top.jpg');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'inner.jpg'), PICTURE);
    await rejected(() => convertToPng(converter(), dir, 'sub/inner.jpg'), 'a name with a folder');
    check(!fs.existsSync(path.join(dir, 'sub', 'inner.png')), 'sub/inner.png must not be written');
    await rejected(() => convertToPng(converter(), path.join(dir, 'sub'), '../top.jpg'), 'a name leading out of the folder');
    await rejected(() => convertToPng(converter(), dir, ''), 'an empty name');
  },

  async command_substitution_in_name() {
    const dir = await attempt('$(touch pwned_cs).jpg');
    checkNoFile(dir, 'pwned_cs', 'the file name ran a command');
  },

  async backticks_in_name() {
    const dir = await attempt('`touch pwned_bt`.jpg');
    checkNoFile(dir, 'pwned_bt', 'the file name ran a command');
  },

  async double_quote_breakout() {
    const dir = await attempt('x";touch pwned_dq;".jpg');
    checkNoFile(dir, 'pwned_dq', 'the file name ran a command');
  },

  async leading_dash_option() {
    const dir = await attempt('--log=pwned_opt.jpg');
    checkNoFile(dir, 'pwned_opt.jpg', 'the file name was read as an imgconv option');
    checkNoFile(dir, 'pwned_opt.png', 'the file name was read as an imgconv option');
  },
};
