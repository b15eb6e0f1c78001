'use strict';
const fs = require('fs');
const path = require('path');
const { check, checkEq, scratchDir } = require('secgap_check');
const { readStaticFile } = require('solution');

// <site>/public is the web root; <site>/secret.txt and
// <site>/public-secrets/key.pem must never be served.
function site() {
  const base = scratchDir('site');
  const root = path.join(base, 'public');
  const files = {
    'index.html': '<h1>Home</h1>',
    'about.html': '<h1>About</h1>',
    'css/site.css': 'body { margin: 0 }',
    'docs/index.html': '<h1>Docs</h1>',
    'docs/My Report.pdf': '%PDF-1.7 report',
    'docs/100%.txt': 'one hundred percent',
    'docs/release..notes.txt': 'v2 notes',
    'img/café.txt': 'coffee',
    'img/logo.svg': '<svg/>',
  };
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(root, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  fs.mkdirSync(path.join(root, 'empty'));
  fs.writeFileSync(path.join(base, 'secret.txt'), 'SECRET: db password hunter2');
  fs.mkdirSync(path.join(base, 'public-secrets'));
  fs.writeFileSync(path.join(base, 'public-secrets', 'key.pem'), '-----BEGIN PRIVATE KEY----- sibling');
  return { base, root };
}

function serves(root, urlPath, text) {
  const got = readStaticFile(root, urlPath);
  check(Buffer.isBuffer(got), `readStaticFile(root, ${JSON.stringify(urlPath)}) must return a Buffer, got ${got === null ? 'null' : typeof got}`);
  checkEq(got.toString('utf8'), text, `contents served for ${JSON.stringify(urlPath)}`);
}

function nothing(root, urlPath) {
  let got;
  try {
    got = readStaticFile(root, urlPath);
  } catch (e) {
    check(false, `readStaticFile(root, ${JSON.stringify(urlPath)}) threw ${e && e.name}: ${e && e.message}`);
  }
  checkEq(got, null, `readStaticFile(root, ${JSON.stringify(urlPath)})`);
}

// An attack may be answered with null or even an exception; it must not
// return the bytes of a file outside the public folder.
function notLeaked(root, urlPath, secretFile) {
  const secret = fs.readFileSync(secretFile);
  let got = null;
  try {
    got = readStaticFile(root, urlPath);
  } catch (_) {
    return;
  }
  check(!(Buffer.isBuffer(got) && got.equals(secret)) && !(typeof got === 'string' && got === secret.toString('utf8')),
    `${JSON.stringify(urlPath)} served ${secretFile}, which is outside the public folder`);
}

module.exports = {
  serves_top_level_files() {
    const { root } = site();
    serves(root, '/about.html', '<h1>About</h1>');
    serves(root, '/index.html', '<h1>Home</h1>');
    serves(root, '/css/site.css', 'body { margin: 0 }');
  },

  serves_nested_and_encoded_names() {
    const { root } = site();
    serves(root, '/docs/My%20Report.pdf', '%PDF-1.7 report');
    serves(root, '/img/caf%C3%A9.txt', 'coffee');
    serves(root, '/docs/100%25.txt', 'one hundred percent');
    serves(root, '/docs/release..notes.txt', 'v2 notes');
    serves(root, '/%69mg/logo.svg', '<svg/>');
  },

  ignores_query_and_fragment() {
    const { root } = site();
    serves(root, '/css/site.css?v=3', 'body { margin: 0 }');
    serves(root, '/about.html#team', '<h1>About</h1>');
    serves(root, '/docs/My%20Report.pdf?download=1&name=a/../b#p2', '%PDF-1.7 report');
    serves(root, '/?utm_source=mail', '<h1>Home</h1>');
  },

  folders_serve_index_html() {
    const { root } = site();
    serves(root, '/', '<h1>Home</h1>');
    serves(root, '/docs/', '<h1>Docs</h1>');
    serves(root, '/docs', '<h1>Docs</h1>');
  },

  dot_segments_inside_the_site() {
    const { root } = site();
    serves(root, '/docs/../css/site.css', 'body { margin: 0 }');
    serves(root, '/./about.html', '<h1>About</h1>');
    serves(root, '/img/./../docs/./My%20Report.pdf', '%PDF-1.7 report');
    serves(root, '/docs/..', '<h1>Home</h1>');
  },

  missing_files_are_null() {
    const { root } = site();
    nothing(root, '/nope.html');
    nothing(root, '/docs/nope/');
    nothing(root, '/empty/');
    nothing(root, '/img');
    nothing(root, '/about.html/extra');
  },

  malformed_encoding_is_null() {
    const { root } = site();
    nothing(root, '/%E0%A4%A.txt');
    nothing(root, '/bad%zz.txt');
    nothing(root, '/docs/%');
  },

  dotdot_escape() {
    const { base, root } = site();
    const secret = path.join(base, 'secret.txt');
    notLeaked(root, '/../secret.txt', secret);
    notLeaked(root, '/docs/../../secret.txt', secret);
    notLeaked(root, '/img/../../secret.txt?x=1', secret);
    notLeaked(root, '/' + '../'.repeat(12) + 'etc/passwd', '/etc/passwd');
  },

  percent_encoded_dotdot() {
    const { base, root } = site();
    const secret = path.join(base, 'secret.txt');
    notLeaked(root, '/%2e%2e/secret.txt', secret);
    notLeaked(root, '/%2E%2E%2Fsecret.txt', secret);
    notLeaked(root, '/docs/..%2f..%2fsecret.txt', secret);
    notLeaked(root, '/docs/%2e%2e/%2e%2e/secret.txt', secret);
  },

  absolute_path_escape() {
    const { base, root } = site();
    const secret = path.join(base, 'secret.txt');
    notLeaked(root, '/' + encodeURIComponent(secret), secret);
    notLeaked(root, '/' + secret, secret);
    notLeaked(root, '/%2Fetc%2Fpasswd', '/etc/passwd');
  },

  sibling_prefix_folder() {
    const { base, root } = site();
    const key = path.join(base, 'public-secrets', 'key.pem');
    notLeaked(root, '/../public-secrets/key.pem', key);
    notLeaked(root, '/%2e%2e/public-secrets/key.pem', key);
    notLeaked(root, '/docs/../../public-secrets/key.pem', key);
  },
};
