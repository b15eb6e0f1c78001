'use strict';
const net = require('net');
const { check, checkEq } = require('secgap_check');
const { checkWebhookUrl } = require('solution');

// The DNS of the test world. Host names not listed do not exist.
const RECORDS = {
  'hooks.example.com': ['93.184.216.34'],
  'api.partner.example': ['151.101.1.69', '151.101.65.69'],
  'v6only.example.org': ['2606:4700::6810:84e5'],
  'dual.example.net': ['52.84.12.1', '2600:9000:2000::1'],
  'localhost': ['127.0.0.1', '::1'],
  'metadata.google.internal': ['169.254.169.254'],
  'hooks.attacker.example': ['10.0.0.12'],
  'rebind.attacker.example': ['127.0.0.1'],
  'v6.attacker.example': ['::1'],
  'mapped.attacker.example': ['::ffff:169.254.169.254'],
  'mixed.attacker.example': ['93.184.216.34', '10.0.0.12'],
  'mixed6.attacker.example': ['2606:4700::6810:84e5', 'fd00:5::1'],
  'empty.example.com': [],
};

// Behaves like the system resolver: an IP address, in any spelling the C
// library accepts (which the WHATWG URL parser also accepts), resolves to
// itself; a name is looked up in RECORDS.
async function resolve(hostname) {
  if (typeof hostname !== 'string') throw new TypeError('hostname must be a string');
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (net.isIP(host)) return [host];
  let parsed = null;
  try {
    parsed = new URL('http://' + host + '/').hostname;
  } catch (_) {
    parsed = null;
  }
  if (parsed && net.isIPv4(parsed)) return [parsed];
  if (Object.prototype.hasOwnProperty.call(RECORDS, host)) return RECORDS[host].slice();
  const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  throw err;
}

async function accepts(raw, want = raw) {
  let got;
  try {
    got = await checkWebhookUrl(raw, resolve);
  } catch (e) {
    check(false, `checkWebhookUrl(${JSON.stringify(raw)}) was rejected: ${e && e.message}`);
  }
  checkEq(got, want, `checkWebhookUrl(${JSON.stringify(raw)})`);
}

async function rejects(raw, resolver = resolve) {
  let got;
  try {
    got = await checkWebhookUrl(raw, resolver);
  } catch (e) {
    check(e instanceof Error, `checkWebhookUrl(${JSON.stringify(raw)}) failed with ${String(e)} instead of an Error`);
    return;
  }
  check(false, `checkWebhookUrl(${JSON.stringify(raw)}) accepted the URL and returned ${JSON.stringify(got)}`);
}

// An attack URL must not come back as a destination: a rejection (or any
// refusal value) is the only safe answer.
async function refused(raw) {
  let got;
  try {
    got = await checkWebhookUrl(raw, resolve);
  } catch (_) {
    return;
  }
  check(got === null || got === undefined || got === false, `checkWebhookUrl(${JSON.stringify(raw)}) let the worker call ${JSON.stringify(got)}`);
}

module.exports = {
  async accepts_public_hosts() {
    await accepts('https://hooks.example.com/incoming/7f3a');
    await accepts('http://api.partner.example:8080/events?token=abc');
    await accepts('https://v6only.example.org/hook');
    await accepts('https://dual.example.net/');
  },

  async returns_normalised_url() {
    await accepts('HTTPS://Hooks.Example.COM:443/a/./b/../c?x=1#frag', 'https://hooks.example.com/a/c?x=1#frag');
    await accepts('http://hooks.example.com', 'http://hooks.example.com/');
    await accepts('https://hooks.example.com:8443/x y', 'https://hooks.example.com:8443/x%20y');
  },

  async accepts_public_ip_addresses() {
    for (const raw of [
      'http://8.8.8.8/hook',
      'https://1.1.1.1/',
      'http://172.32.0.1/',
      'http://172.15.255.254/',
      'http://100.128.0.1/',
      'http://100.63.255.254/',
      'http://192.169.0.1/',
      'http://11.0.0.1/',
      'http://9.255.255.254/',
      'http://169.255.0.1/',
      'http://128.0.0.1/',
      'https://[2606:4700:4700::1111]/hook',
      'https://[2a00:1450:4001:80b::200e]:8443/',
      'http://[2001:4860:4860::8888]/',
    ]) {
      await accepts(raw);
    }
  },

  async rejects_malformed_urls() {
    for (const raw of ['', 'not a url', 'hooks.example.com/incoming', '/incoming/7f3a', 'https://', 'http://exa mple.com/']) {
      await rejects(raw);
    }
  },

  async rejects_other_schemes() {
    for (const raw of ['ftp://hooks.example.com/drop', 'file:///etc/hosts', 'mailto:ops@example.com', 'ws://hooks.example.com/socket', 'javascript:alert(1)']) {
      await rejects(raw);
    }
  },

  async rejects_unresolvable_hosts() {
    await rejects('https://no-such-host.example.com/hook');
    await rejects('https://empty.example.com/hook');
    const broken = async () => {
      throw new Error('DNS server unreachable');
    };
    await rejects('https://hooks.example.com/hook', broken);
  },

  async loopback_addresses() {
    for (const raw of [
      'http://127.0.0.1:8080/admin',
      'http://127.0.0.2/',
      'http://[::1]/',
      'http://[0:0:0:0:0:0:0:1]:3000/',
      'http://0.0.0.0:9200/_cat/indices',
      'http://localhost:6379/',
      'http://hook@127.0.0.1/',
    ]) {
      await refused(raw);
    }
  },

  async cloud_metadata_service() {
    for (const raw of [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://169.254.170.2/v2/credentials',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
    ]) {
      await refused(raw);
    }
  },

  async private_network_addresses() {
    for (const raw of [
      'http://10.0.0.5/',
      'http://172.16.0.1/',
      'https://172.31.255.254/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[fc00::1]/',
      'http://[fd12:3456:789a::1]/',
      'http://[fe80::1]/',
    ]) {
      await refused(raw);
    }
  },

  async numeric_ipv4_spellings() {
    for (const raw of [
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://0xa9fea9fe/latest/meta-data/',
      'http://0/',
    ]) {
      await refused(raw);
    }
  },

  async ipv4_mapped_ipv6() {
    for (const raw of [
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/',
      'http://[0:0:0:0:0:ffff:c0a8:101]/',
    ]) {
      await refused(raw);
    }
  },

  async public_name_resolving_to_private() {
    for (const raw of [
      'https://hooks.attacker.example/hook',
      'http://rebind.attacker.example:8080/',
      'http://v6.attacker.example/',
      'http://mapped.attacker.example/latest/meta-data/',
    ]) {
      await refused(raw);
    }
  },

  async name_with_public_and_private_addresses() {
    await refused('https://mixed.attacker.example/hook');
    await refused('https://mixed6.attacker.example/hook');
  },
};
