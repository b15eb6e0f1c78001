'use strict';

function formatAccessLine({ time, method, path, status, userAgent, user }) {
  return `${time.toISOString()} ${user || '-'} "${method} ${path}" ${status} "${userAgent || '-'}"`;
}

module.exports = { formatAccessLine };
