'use strict';

// JSON string syntax escapes quotes, backslashes and control characters.
function quoted(value) {
  return JSON.stringify(value ? String(value) : '-');
}

function bare(value) {
  return quoted(value).slice(1, -1);
}

function formatAccessLine(entry) {
  const request = quoted(`${entry.method} ${entry.path}`);
  return [entry.time.toISOString(), bare(entry.user), request, String(entry.status), quoted(entry.userAgent)].join(' ');
}

module.exports = { formatAccessLine };
