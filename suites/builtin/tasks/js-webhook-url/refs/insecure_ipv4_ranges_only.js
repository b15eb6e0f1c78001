'use strict';
const net = require('net');

function ipv4ToInt(ip) {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

const PRIVATE_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
].map(([base, bits]) => [ipv4ToInt(base), bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0]);

function isPrivateIPv4(ip) {
  const n = ipv4ToInt(ip);
  return PRIVATE_V4.some(([base, mask]) => ((n & mask) >>> 0) === base);
}

function isPrivateIPv6(ip) {
  const a = ip.toLowerCase();
  return (
    a === '::' ||
    a === '::1' ||
    /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(a) ||
    a.startsWith('fc') ||
    a.startsWith('fd') ||
    a.startsWith('fe80:') ||
    a.startsWith('ff')
  );
}

function isPrivate(ip) {
  if (net.isIPv4(ip)) return isPrivateIPv4(ip);
  if (net.isIPv6(ip)) return isPrivateIPv6(ip);
  return true;
}

async function checkWebhookUrl(raw, resolve) {
  let parsed;
  try {
    parsed = new URL(raw);
  } catch (_) {
    throw new Error(`invalid webhook URL: ${raw}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('webhook URL must be http or https');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = net.isIP(host) ? [host] : await resolve(host);
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw new Error(`cannot resolve ${host}`);
  }
  for (const ip of addresses) {
    if (isPrivate(ip)) {
      throw new Error(`webhook host ${host} resolves to a private address (${ip})`);
    }
  }
  return parsed.href;
}

module.exports = { checkWebhookUrl };
