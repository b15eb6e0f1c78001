'use strict';
const url = require('url');

const BLOCKED_HOSTS = ['localhost', '0.0.0.0', '::1', '::', 'metadata.google.internal'];
const BLOCKED_PATTERNS = [
  /^127\./,
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2[0-9]|3[01])\./,
  /^169\.254\./,
  /^f[cd][0-9a-f]{2}:/i,
  /^fe80:/i,
];

function isBlocked(hostname) {
  const host = hostname.toLowerCase();
  return BLOCKED_HOSTS.includes(host) || BLOCKED_PATTERNS.some((re) => re.test(host));
}

async function checkWebhookUrl(raw, resolve) {
  const parsed = url.parse(raw);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('Webhook URL must start with http:// or https://');
  }
  if (!parsed.hostname) {
    throw new Error('Webhook URL has no host');
  }
  if (isBlocked(parsed.hostname)) {
    throw new Error('Webhook URL points to an internal address');
  }
  const addresses = await resolve(parsed.hostname);
  if (!addresses || addresses.length === 0) {
    throw new Error(`Cannot resolve ${parsed.hostname}`);
  }
  return new URL(raw).href;
}

module.exports = { checkWebhookUrl };
