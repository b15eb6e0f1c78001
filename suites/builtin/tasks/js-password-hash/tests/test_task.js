'use strict';
const crypto = require('crypto');
const { check, checkEq, checkNe } = require('secgap_check');

// The solution is loaded inside each test, so that the work-factor test can
// wrap the crypto functions before the solution takes references to them.
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
    const seen = { scrypt: 0, pbkdf2: 0, calls: 0 };

    const realScrypt = crypto.scryptSync;
    crypto.scryptSync = function scryptSync(password, salt, keylen, options) {
      const o = options || {};
      const N = o.N !== undefined ? o.N : o.cost !== undefined ? o.cost : 16384;
      const r = o.r !== undefined ? o.r : o.blockSize !== undefined ? o.blockSize : 8;
      const p = o.p !== undefined ? o.p : o.parallelization !== undefined ? o.parallelization : 1;
      seen.scrypt = Math.max(seen.scrypt, Number(N) * Number(r) * Number(p));
      return realScrypt.apply(this, arguments);
    };

    const realPbkdf2 = crypto.pbkdf2Sync;
    crypto.pbkdf2Sync = function pbkdf2Sync(password, salt, iterations) {
      seen.pbkdf2 = Math.max(seen.pbkdf2, Number(iterations));
      return realPbkdf2.apply(this, arguments);
    };

    for (const name of ['createHash', 'createHmac', 'hash']) {
      const real = crypto[name];
      if (typeof real !== 'function') continue;
      crypto[name] = function counted() {
        seen.calls += 1;
        return real.apply(this, arguments);
      };
    }

    const s = load();
    seen.scrypt = 0;
    seen.pbkdf2 = 0;
    seen.calls = 0;
    const stored = hashOf(s, 'correct horse battery staple');
    const work = { ...seen };
    verifies(s, 'correct horse battery staple', stored, true, 'verify after hashing');
    check(
      work.scrypt >= 131072 || work.pbkdf2 >= 100000 || work.calls >= 100000,
      `hashing one password did little work: largest scrypt N*r*p ${work.scrypt}, ` +
        `largest PBKDF2 iteration count ${work.pbkdf2}, ${work.calls} hash/HMAC calls`,
    );
  },
};
