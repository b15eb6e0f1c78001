'use strict';
const net = require('net');

const blocked = new net.BlockList();
blocked.addSubnet('0.0.0.0', 8, 'ipv4');
blocked.addSubnet('10.0.0.0', 8, 'ipv4');
blocked.addSubnet('100.64.0.0', 10, 'ipv4');
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4');
blocked.addSubnet('172.16.0.0', 12, 'ipv4');
blocked.addSubnet('192.168.0.0', 16, 'ipv4');
blocked.addSubnet('224.0.0.0', 4, 'ipv4');
blocked.addSubnet('240.0.0.0', 4, 'ipv4');
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
blocked.addSubnet('fc00::', 7, 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');

async function checkWebhookUrl(raw, resolve) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('Invalid webhook URL');
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new Error('Only http and https webhooks are supported');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = net.isIP(host);
  if (family !== 0) {
    if (blocked.check(host, family === 4 ? 'ipv4' : 'ipv6')) {
      throw new Error('Webhook URL points to a private address');
    }
  } else {
    let addresses;
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new Error(`Could not resolve ${host}: ${err.message}`);
    }
    if (!addresses || addresses.length === 0) {
      throw new Error(`Could not resolve ${host}`);
    }
  }
  return url.href;
}

module.exports = { checkWebhookUrl };
