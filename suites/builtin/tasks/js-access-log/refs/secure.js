'use strict';

// Everything a reader could take for the end of a line or for a terminal
// command, plus the quote and backslash that delimit and escape fields.
const UNSAFE = /[\\"\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function hex(code, width) {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

function escapeField(value) {
  return String(value).replace(UNSAFE, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === '"') return '\\"';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? '\\x' + hex(code, 2) : '\\u' + hex(code, 4);
  });
}

function orDash(value) {
  return value === undefined || value === null || value === '' ? '-' : escapeField(value);
}

function formatAccessLine(entry) {
  let time;
  try {
    time = entry.time.toISOString();
  } catch (_) {
    time = '-';
  }
  const method = orDash(entry.method);
  const path = orDash(entry.path);
  const status = Number.isInteger(entry.status) ? String(entry.status) : '-';
  return `${time} ${orDash(entry.user)} "${method} ${path}" ${status} "${orDash(entry.userAgent)}"`;
}

module.exports = { formatAccessLine };
