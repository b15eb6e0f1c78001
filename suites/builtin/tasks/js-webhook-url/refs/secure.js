'use strict';
const net = require('net');

// Every address range that is not the public internet: this host, private
// and shared networks, link-local (cloud metadata), documentation and
// benchmark ranges, multicast and reserved space.
const NOT_PUBLIC = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
]) {
  NOT_PUBLIC.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible addresses
  ['64:ff9b::', 96], // NAT64 translations of IPv4 addresses
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4, which embeds an IPv4 address
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
]) {
  NOT_PUBLIC.addSubnet(address, prefix, 'ipv6');
}

// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked by BlockList
// against the IPv4 ranges.
function isPublicAddress(address) {
  const family = net.isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  if (family === 6) return !NOT_PUBLIC.check(address, 'ipv6');
  return false;
}

async function checkWebhookUrl(raw, resolve) {
  if (typeof raw !== 'string') throw new Error('webhook URL must be a string');
  let url;
  try {
    url = new URL(raw);
  } catch (_) {
    throw new Error('webhook URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('webhook URL must use http or https');
  }
  // URL has already turned every spelling of an IPv4 address (decimal,
  // hex, octal, shortened) into dotted form, and wraps IPv6 in brackets.
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw new Error('webhook URL has no host');

  let addresses;
  if (net.isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (_) {
      throw new Error(`webhook host ${host} does not resolve`);
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new Error(`webhook host ${host} does not resolve`);
    }
  }
  // The client may connect to any of the addresses, so all must be public.
  for (const address of addresses) {
    if (!isPublicAddress(String(address))) {
      throw new Error(`webhook host ${host} is not on the public internet`);
    }
  }
  return url.href;
}

module.exports = { checkWebhookUrl };
