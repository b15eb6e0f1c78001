'use strict';
const { check, checkEq } = require('secgap_check');
const { formatAccessLine } = require('solution');

const T1 = new Date('2024-06-01T10:00:00.000Z');
const T2 = new Date('2024-06-01T10:00:00.250Z');
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0';

// A complete, well-formed line for a request that never happened.
const FORGED = '2024-06-01T10:00:01.000Z admin "POST /admin/users/7/delete" 204 "Mozilla/5.0"';

// What the declared log shipper treats as the end of a line.
const LINE_ENDS = /[\n\r\u0085\u2028\u2029]/;

function format(entry, what) {
  let line;
  try {
    line = formatAccessLine(entry);
  } catch (e) {
    check(false, `${what}: formatAccessLine threw ${e && e.name}: ${e && e.message}`);
  }
  check(typeof line === 'string', `${what}: formatAccessLine must return a string, got ${typeof line}`);
  return line;
}

function codePoint(ch) {
  return 'U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
}

// The request is still logged, and on exactly one line of the file.
function loggedOnOneLine(entry, what) {
  const line = format(entry, what);
  const end = LINE_ENDS.exec(line);
  if (end !== null) {
    const parts = line.split(LINE_ENDS).length;
    check(false, `${what}: the line holds ${codePoint(end[0])}, so the log shipper reads it as ${parts} entries: ${JSON.stringify(line)}`);
  }
  check(line.startsWith(entry.time.toISOString() + ' '), `${what}: the line no longer starts with the request time: ${JSON.stringify(line)}`);
  check(line.includes(` ${entry.status} `), `${what}: the status is missing from the line: ${JSON.stringify(line)}`);
  return line;
}

function request(fields) {
  return Object.assign({ time: T1, method: 'GET', path: '/', status: 200, userAgent: FIREFOX, user: 'alice' }, fields);
}

module.exports = {
  formats_ordinary_requests() {
    checkEq(
      format(request({ path: '/account/orders?page=2', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }), 'GET request'),
      '2024-06-01T10:00:00.000Z alice "GET /account/orders?page=2" 200 "Mozilla/5.0 (X11; Linux x86_64)"',
      'formatted line',
    );
    checkEq(
      format(request({ time: T2, method: 'POST', path: '/api/cart/items', status: 201, userAgent: 'okhttp/4.12.0', user: 'bob_smith' }), 'POST request'),
      '2024-06-01T10:00:00.250Z bob_smith "POST /api/cart/items" 201 "okhttp/4.12.0"',
      'formatted line',
    );
    checkEq(
      format(request({ method: 'DELETE', path: '/api/sessions/current', status: 404, userAgent: 'curl/8.5.0', user: 'carol' }), 'DELETE request'),
      '2024-06-01T10:00:00.000Z carol "DELETE /api/sessions/current" 404 "curl/8.5.0"',
      'formatted line',
    );
  },

  anonymous_user_and_missing_agent() {
    for (const user of [null, undefined, '']) {
      checkEq(
        format(request({ user, path: '/login' }), `user ${JSON.stringify(user)}`),
        `2024-06-01T10:00:00.000Z - "GET /login" 200 "${FIREFOX}"`,
        `line for user ${String(JSON.stringify(user))}`,
      );
    }
    for (const userAgent of [undefined, '']) {
      checkEq(
        format(request({ userAgent, path: '/health', status: 204 }), `user agent ${JSON.stringify(userAgent)}`),
        '2024-06-01T10:00:00.000Z alice "GET /health" 204 "-"',
        `line for user agent ${String(JSON.stringify(userAgent))}`,
      );
    }
    const { user, ...noUserField } = request({ path: '/', status: 301 });
    checkEq(
      format(noUserField, 'entry without a user field'),
      `2024-06-01T10:00:00.000Z - "GET /" 301 "${FIREFOX}"`,
      'line for an entry without a user field',
    );
  },

  keeps_ordinary_text_verbatim() {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36';
    const cases = [
      [{ path: '/api/v2/items?sort=-price&page=3&tags=a,b;c', userAgent: chrome }],
      [{ path: '/files/My Report (final) v2.pdf', userAgent: 'Bücherwurm/1.0 (Ubuntu; 日本語) +https://example.org/bot' }],
      [{ path: '/search?q=café crème|tea~50%', user: 'zoë.müller', userAgent: 'python-requests/2.31.0' }],
      [{ path: "/users/o'brien/@me/$id=[1]{2}*!^`", user: 'Дмитрий', userAgent: 'Go-http-client/1.1' }],
      [{ path: '/emoji/🙂', user: '王小明', userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8)' }],
    ];
    for (const [fields] of cases) {
      const entry = request(fields);
      const want = `2024-06-01T10:00:00.000Z ${entry.user} "GET ${entry.path}" 200 "${entry.userAgent}"`;
      checkEq(format(entry, 'ordinary text'), want, 'line for ' + JSON.stringify(fields));
    }
  },

  crlf_in_user_agent() {
    loggedOnOneLine(request({ userAgent: 'curl/8.5.0"\r\n' + FORGED.slice(0, -1) }), 'CR LF in the user agent');
    loggedOnOneLine(request({ userAgent: 'curl/8.5.0\r\n' + FORGED + '\r\n' }), 'CR LF around a forged line');
  },

  newline_in_path() {
    const decoded = decodeURIComponent('/search?q=shoes%0A' + encodeURIComponent(FORGED));
    loggedOnOneLine(request({ path: decoded, user: null }), 'LF in the path');
    loggedOnOneLine(request({ path: '/x\n' + FORGED + '\n', status: 404 }), 'LF around a forged line in the path');
  },

  newline_in_user_name() {
    loggedOnOneLine(request({ user: 'mallory\n' + FORGED + '\n' }), 'LF in the user name');
    loggedOnOneLine(request({ user: 'mallory\r' + FORGED }), 'CR in the user name');
  },

  unicode_line_separators() {
    for (const sep of ['\u2028', '\u2029', '\u0085']) {
      const name = codePoint(sep);
      loggedOnOneLine(request({ userAgent: 'Mozilla/5.0' + sep + FORGED }), `${name} in the user agent`);
      loggedOnOneLine(request({ path: '/help' + sep + FORGED }), `${name} in the path`);
      loggedOnOneLine(request({ user: 'mallory' + sep + FORGED }), `${name} in the user name`);
    }
  },

  terminal_escape_sequences() {
    const payloads = [
      ['\x1b[1A\x1b[2K' + FORGED, 'cursor up and erase line'],
      ['\x1b]0;all good\x07Mozilla/5.0', 'set the window title'],
      ['\x1b[8mhidden\x1b[0m', 'hidden text'],
      ['curl/8.5.0' + '\b'.repeat(10) + 'Mozilla/5.0', 'backspaces over the real agent'],
    ];
    for (const [userAgent, what] of payloads) {
      const line = loggedOnOneLine(request({ userAgent }), what);
      for (const [ch, name] of [['\x1b', 'ESC'], ['\x07', 'BEL'], ['\b', 'BS']]) {
        check(!line.includes(ch), `${what}: the line holds a raw ${name}, which the terminal acts on: ${JSON.stringify(line)}`);
      }
    }
  },
};
