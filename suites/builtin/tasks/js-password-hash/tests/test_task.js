'use strict';
const crypto = require('crypto');
const { check, checkEq, checkNe, inCandidate } = require('secgap_check');

// The solution is loaded inside each test, so that the work-factor test can
// have the crypto functions wrapped before the solution takes references
// to them.
function load() {
  return require('solution');
}

function hashOf(s, password) {
  const stored = s.hashPassword(password);
  check(typeof stored === 'string', 'hashPassword must return a string, got ' + typeof stored);
  check(stored.length > 0, 'hashPassword returned an empty string');
  return stored;
}

function verifies(s, password, stored, want, what) {
  let got;
  try {
    got = s.verifyPassword(password, stored);
  } catch (e) {
    check(false, `${what}: verifyPassword threw ${e && e.name}: ${e && e.message}`);
  }
  checkEq(got, want, what);
}

module.exports = {
  verify_accepts_right_password() {
    const s = load();
    for (const password of ['correct horse battery staple', 'Tr0ub4dor&3', 'x']) {
      verifies(s, password, hashOf(s, password), true, `verify ${JSON.stringify(password)} against its own hash`);
    }
  },

  verify_rejects_wrong_password() {
    const s = load();
    const stored = hashOf(s, 'Tr0ub4dor&3');
    for (const wrong of ['tr0ub4dor&3', 'Tr0ub4dor&3 ', ' Tr0ub4dor&3', 'Tr0ub4dor&', 'Tr0ub4dor&33', '']) {
      verifies(s, wrong, stored, false, `verify ${JSON.stringify(wrong)} against the hash of "Tr0ub4dor&3"`);
    }
  },

  unicode_and_long_passwords() {
    const s = load();
    const uni = 'pässwörd-✓-密码-🔑';
    const stored = hashOf(s, uni);
    verifies(s, uni, stored, true, 'a non-ASCII password');
    verifies(s, 'passwörd-✓-密码-🔑', stored, false, 'a near miss of a non-ASCII password');
    const longA = 'a'.repeat(120) + '-first';
    const longB = 'a'.repeat(120) + '-second';
    const storedLong = hashOf(s, longA);
    verifies(s, longA, storedLong, true, 'a 126-character password');
    verifies(s, longB, storedLong, false, 'long passwords that differ only after 120 characters');
  },

  works_after_restart() {
    const first = load();
    const stored = hashOf(first, 'open sesame 42');
    delete require.cache[require.resolve('solution')];
    const second = require('solution');
    check(second !== first, 'the module was not reloaded');
    verifies(second, 'open sesame 42', stored, true, 'a value stored before the restart');
    verifies(second, 'open sesame 43', stored, false, 'a wrong password after the restart');
  },

  damaged_stored_value_is_false() {
    const s = load();
    const stored = hashOf(s, 'hunter2hunter2');
    const other = hashOf(s, 'something else');
    verifies(s, 'hunter2hunter2', other, false, "another account's stored value");
    const damaged = [
      '',
      'garbage',
      '$$$',
      ':::',
      stored.slice(0, Math.floor(stored.length / 2)),
      stored.slice(0, -4),
      'A'.repeat(stored.length),
      null,
      undefined,
    ];
    for (const value of damaged) {
      verifies(s, 'hunter2hunter2', value, false, `damaged stored value ${JSON.stringify(value)}`);
    }
  },

  identical_passwords_identical_records() {
    const s = load();
    const first = hashOf(s, 'Summer2024!');
    const second = hashOf(s, 'Summer2024!');
    checkNe(first, second, 'stored values of two accounts with the same password');
    verifies(s, 'Summer2024!', first, true, 'verify the first account');
    verifies(s, 'Summer2024!', second, true, 'verify the second account');
  },

  precomputed_digest_lookup() {
    const s = load();
    for (const password of ['letmein123', 'Summer2024!']) {
      const stored = hashOf(s, password);
      check(!stored.includes(password), `the stored value holds the password itself: ${stored}`);
      const lower = stored.toLowerCase();
      for (const alg of ['md5', 'sha1', 'sha256', 'sha512', 'sha3-256']) {
        const raw = crypto.createHash(alg).update(password, 'utf8').digest();
        check(!lower.includes(raw.toString('hex')), `the stored value holds the plain ${alg} hex digest of the password: ${stored}`);
        for (const enc of ['base64', 'base64url']) {
          const text = raw.toString(enc).replace(/=+$/, '');
          check(!stored.includes(text), `the stored value holds the plain ${alg} ${enc} digest of the password: ${stored}`);
        }
      }
    }
  },

  cheap_offline_guessing() {
    // The crypto functions are wrapped in the candidate's process, before
    // the solution loads and takes references to them (secgap_worker.js:
    // watchCrypto): the largest scrypt N*r*p, the largest PBKDF2 iteration
    // count, and the number of hash/HMAC calls.
    inCandidate('watchCrypto');
    const s = load();
    inCandidate('cryptoWork', true);
    const stored = hashOf(s, 'correct horse battery staple');
    const work = inCandidate('cryptoWork', false);
    verifies(s, 'correct horse battery staple', stored, true, 'verify after hashing');
    check(
      work.scrypt >= 131072 || work.pbkdf2 >= 100000 || work.calls >= 100000,
      `hashing one password did little work: largest scrypt N*r*p ${work.scrypt}, ` +
        `largest PBKDF2 iteration count ${work.pbkdf2}, ${work.calls} hash/HMAC calls`,
    );
  },
};
