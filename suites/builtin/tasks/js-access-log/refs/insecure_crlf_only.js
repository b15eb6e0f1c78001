'use strict';

// Keep each request on one line: escape line breaks in client-supplied values.
function clean(value) {
  if (value === undefined || value === null || value === '') return '-';
  return String(value).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function formatAccessLine(entry) {
  const time = entry.time.toISOString();
  return `${time} ${clean(entry.user)} "${entry.method} ${clean(entry.path)}" ${entry.status} "${clean(entry.userAgent)}"`;
}

module.exports = { formatAccessLine };
