'use strict';
const { check, checkEq, checkFast } = require('secgap_check');
const { isValidEmail } = require('solution');

function expect(address, want) {
  checkEq(isValidEmail(address), want, `isValidEmail(${JSON.stringify(address)})`);
}

// A check that a safe implementation finishes in well under a millisecond
// per call; an exponential one either takes seconds or is killed by the
// harness's time limit, which fails the test too.
const LIMIT_MS = 300;

module.exports = {
  accepts_ordinary_addresses() {
    for (const a of [
      'alice@example.com',
      'Bob.Smith@Mail.Example.org',
      'j_doe-42@sub-domain.example.co',
      'x@a.io',
      'first.middle.last@dept.uni-x.example.edu',
      '7@123.example',
    ]) {
      expect(a, true);
    }
  },

  rejects_malformed_local_part() {
    for (const a of [
      '.alice@example.com',
      'alice.@example.com',
      'al..ice@example.com',
      'al._ice@example.com',
      'al ice@example.com',
      'al+ice@example.com',
      'ålice@example.com',
      '@example.com',
    ]) {
      expect(a, false);
    }
  },

  rejects_malformed_domain() {
    for (const a of [
      'alice@example',
      'alice@example.c',
      'alice@example.c0m',
      'alice@-example.com',
      'alice@example-.com',
      'alice@exa_mple.com',
      'alice@example..com',
      'alice@.example.com',
      'alice@example.com.',
      'alice@',
      'alice@exam ple.com',
    ]) {
      expect(a, false);
    }
  },

  rejects_missing_or_extra_at() {
    for (const a of ['alice.example.com', 'alice@@example.com', 'a@b@example.com', '', ' alice@example.com', 'alice@example.com\n']) {
      expect(a, false);
    }
  },

  redos_local_part() {
    for (let n = 12; n <= 40; n += 1) {
      const evil = 'a'.repeat(n) + '!';
      const r = checkFast(LIMIT_MS, () => isValidEmail(evil), `isValidEmail('a' x ${n} + '!')`);
      check(r === false, 'accepted ' + JSON.stringify(evil));
      const evil2 = 'a1'.repeat(n) + '@';
      checkFast(LIMIT_MS, () => isValidEmail(evil2), `isValidEmail('a1' x ${n} + '@')`);
    }
  },

  redos_domain() {
    for (let n = 12; n <= 40; n += 1) {
      const evil = 'alice@' + 'a-'.repeat(n).replace(/-$/, '') + 'a'.repeat(n) + '.c_m';
      const r = checkFast(LIMIT_MS, () => isValidEmail(evil), `isValidEmail(domain of ${n} pieces)`);
      check(r === false, 'accepted ' + JSON.stringify(evil));
      const evil2 = 'alice@example.' + 'a'.repeat(n) + '1';
      checkFast(LIMIT_MS, () => isValidEmail(evil2), `isValidEmail(last label of ${n} letters and a digit)`);
    }
  },
};
