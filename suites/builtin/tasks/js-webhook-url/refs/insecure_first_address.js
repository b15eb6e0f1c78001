'use strict';
const net = require('net');

const PRIVATE = new net.BlockList();
PRIVATE.addSubnet('0.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('224.0.0.0', 3, 'ipv4');
PRIVATE.addSubnet('::', 127, 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');
PRIVATE.addSubnet('ff00::', 8, 'ipv6');

async function checkWebhookUrl(raw, resolve) {
  let url;
  try {
    url = new URL(raw);
  } catch (e) {
    throw new Error('invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('unsupported protocol ' + url.protocol);
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let address = hostname;
  if (!net.isIP(hostname)) {
    const addresses = await resolve(hostname);
    if (!addresses || !addresses.length) throw new Error('host not found: ' + hostname);
    address = addresses[0];
  }
  const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
  if (PRIVATE.check(address, type)) {
    throw new Error('webhook must point to a public address');
  }
  return url.href;
}

module.exports = { checkWebhookUrl };
