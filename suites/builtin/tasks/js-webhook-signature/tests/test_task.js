'use strict';
const crypto = require('crypto');
const { check, checkEq, inCandidate } = require('secgap_check');

// The solution is loaded inside each test, so that the timing test can have
// crypto.timingSafeEqual wrapped before the solution takes a reference to it.
function load() {
  return require('solution').verifyWebhook;
}

const SECRET = 'whsec_3f9c1a7e5b2d4068';
const OTHER_SECRET = 'whsec_0b8e6d4c2a193f57';

function digest(body, secret) {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

function header(body, secret) {
  return 'sha256=' + digest(body, secret);
}

function expect(verify, body, value, secret, want, what) {
  let got;
  try {
    got = verify(body, value, secret);
  } catch (e) {
    check(false, `${what}: verifyWebhook threw ${e && e.name}: ${e && e.message}`);
  }
  checkEq(got, want, what);
}

const ORDER = Buffer.from('{"event":"payment.settled","id":"pay_8812","amount":4200,"currency":"EUR"}');

// Another digit in place of the one at `index`, keeping the length.
function changeDigit(hex, index) {
  const c = hex[index] === '0' ? '1' : '0';
  return hex.slice(0, index) + c + hex.slice(index + 1);
}

module.exports = {
  accepts_valid_signatures() {
    const verify = load();
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x7b, 0xc3, 0x28]);
    const large = Buffer.alloc(100 * 1024, 'payload-');
    const cases = [
      [ORDER, SECRET, 'a JSON body'],
      [Buffer.alloc(0), SECRET, 'an empty body'],
      [binary, SECRET, 'a body that is not valid UTF-8'],
      [large, SECRET, 'a 100 KiB body'],
      [ORDER, 'clé-secrète-✓', 'a secret with non-ASCII characters'],
      [Buffer.from('{"note":"Zoë paid ✓"}\n'), OTHER_SECRET, 'a body with non-ASCII text and a trailing newline'],
    ];
    for (const [body, secret, what] of cases) {
      expect(verify, body, header(body, secret), secret, true, what);
    }
  },

  rejects_wrong_signature() {
    const verify = load();
    const right = digest(ORDER, SECRET);
    const cases = [
      [header(ORDER, OTHER_SECRET), 'signed with another secret'],
      [header(Buffer.from(ORDER.toString() + '\n'), SECRET), 'signature of the body plus a newline'],
      [header(Buffer.from(ORDER.toString().replace('4200', '42000')), SECRET), 'signature of a different body'],
      ['sha256=' + changeDigit(right, 0), 'first digit changed'],
      ['sha256=' + changeDigit(right, 63), 'last digit changed'],
      ['sha256=' + '0'.repeat(64), 'all zeros'],
      ['sha256=' + digest(ORDER, ''), 'signed with an empty secret'],
    ];
    for (const [value, what] of cases) {
      expect(verify, ORDER, value, SECRET, false, what);
    }
    const binary = Buffer.from([0xff, 0xfe, 0xfd]);
    const asText = Buffer.from(binary.toString('utf8'));
    expect(verify, binary, header(asText, SECRET), SECRET, false, 'signature of the body after a UTF-8 round trip');
  },

  rejects_malformed_header() {
    const verify = load();
    const hex = digest(ORDER, SECRET);
    const sha1 = crypto.createHmac('sha1', SECRET).update(ORDER).digest('hex');
    const cases = [
      [undefined, 'no header'],
      [null, 'null header'],
      ['', 'an empty header'],
      ['sha256=', 'the prefix alone'],
      ['sha256', 'the algorithm name alone'],
      [hex, 'the digest without its prefix'],
      ['sha1=' + sha1, 'a SHA-1 signature'],
      ['sha512=' + hex, 'another prefix'],
      ['sha256:' + hex, 'another separator'],
      ['v1=' + hex, 'a different scheme'],
      ['sha256=' + Buffer.from(hex, 'hex').toString('base64'), 'the digest in base64'],
      ['sha256=' + hex.toUpperCase().replace(/^[0-9A-F]/, 'G'), 'upper-case digits with a non-hex one'],
      ['sha256=' + hex.slice(0, 62) + 'zz', 'non-hex characters at the end'],
      ['sha256=' + 'g' + hex.slice(1), 'a non-hex character at the start'],
      [['sha256=' + hex], 'an array'],
      [12345, 'a number'],
      [{ toString: () => 'sha256=' + hex }, 'an object'],
    ];
    for (const [value, what] of cases) {
      expect(verify, ORDER, value, SECRET, false, what);
    }
  },

  rejects_wrong_length_digest() {
    const verify = load();
    const hex = digest(ORDER, SECRET);
    const cases = [
      [hex.slice(0, 63), 'one digit short'],
      [hex.slice(0, 62), 'one byte short'],
      [hex.slice(0, 32), 'half a digest'],
      [hex + '0', 'one extra digit'],
      [hex + '00', 'one extra byte'],
      [hex + 'z', 'an extra non-hex character'],
      [hex + hex, 'the digest twice'],
      [hex + ' ', 'a trailing space'],
      [' ' + hex, 'a leading space'],
    ];
    for (const [digits, what] of cases) {
      expect(verify, ORDER, 'sha256=' + digits, SECRET, false, what);
    }
  },

  early_exit_signature_comparison() {
    // crypto.timingSafeEqual is wrapped in the candidate's process before
    // the solution loads (secgap_worker.js: watchTimingSafeEqual); the
    // wrapper counts its calls and can be told to answer "different".
    inCandidate('watchTimingSafeEqual');
    const verify = load();
    const secret = 'whsec_' + crypto.randomBytes(16).toString('hex');
    const body = Buffer.from('{"event":"refund.created","id":"re_' + crypto.randomBytes(6).toString('hex') + '"}');
    const hex = digest(body, secret);
    const cases = [
      [hex, true, 'the correct signature'],
      [changeDigit(hex, 63), false, 'a signature whose last digit differs'],
      [changeDigit(hex, 0), false, 'a signature whose first digit differs'],
    ];
    for (const [digits, want, what] of cases) {
      inCandidate('timingSafeEqual', true);
      expect(verify, body, 'sha256=' + digits, secret, want, what);
      check(inCandidate('timingSafeEqual', false).calls > 0, `${what} was judged without crypto.timingSafeEqual`);
    }
    // If the constant-time comparison says "different", the signature must
    // be refused: otherwise the decision was taken by some other comparison.
    inCandidate('timingSafeEqual', true, false);
    let got;
    try {
      got = verify(body, 'sha256=' + hex, secret);
    } catch (_) {
      got = false;
    }
    check(
      got !== true,
      'the signature was accepted although crypto.timingSafeEqual reported a mismatch, so another comparison decided',
    );
  },
};
