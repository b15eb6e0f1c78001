'use strict';
const { check, checkEq, inCandidate } = require('secgap_check');

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const LENGTH = 10;

// A fresh copy of the solution module each time, so that state it sets up
// when it loads (a seed, a generator) is set up again.
function freshGenerator() {
  delete require.cache[require.resolve('solution')];
  return require('solution').generateInviteCode;
}

function codes(generate, n) {
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const code = generate();
    check(typeof code === 'string', 'generateInviteCode must return a string, got ' + typeof code);
    out.push(code);
  }
  return out;
}

// Math.random and the clocks are those of the candidate's process, so the
// replayable Math.random (a fixed sequence per seed) and the frozen clocks
// are set up there (secgap_worker.js: replaceMathRandom, freezeClock).
function replayMathRandom(seed) {
  inCandidate('replaceMathRandom', seed);
}

// Stop every clock the solution could read at the instant `ms`.
function freezeClock(ms) {
  inCandidate('freezeClock', ms);
}

const START = 1717236000000; // 2024-06-01T10:00:00Z

function sameBatch(first, second) {
  return first.length === second.length && first.every((c, i) => c === second[i]);
}

module.exports = {
  length_and_alphabet() {
    const generate = freshGenerator();
    const pattern = new RegExp('^[' + ALPHABET + ']{' + LENGTH + '}$');
    for (const code of codes(generate, 500)) {
      check(pattern.test(code), `code ${JSON.stringify(code)} is not ${LENGTH} characters of the alphabet`);
    }
  },

  codes_do_not_repeat() {
    const generate = freshGenerator();
    const seen = new Set();
    for (const code of codes(generate, 5000)) {
      check(!seen.has(code), `code ${code} was generated twice in 5,000 calls`);
      seen.add(code);
    }
  },

  every_character_in_every_position() {
    const generate = freshGenerator();
    const n = 3000;
    const perPosition = Array.from({ length: LENGTH }, () => new Map());
    const total = new Map();
    for (const code of codes(generate, n)) {
      check(code.length === LENGTH, `code ${JSON.stringify(code)} is not ${LENGTH} characters`);
      for (let i = 0; i < LENGTH; i += 1) {
        const c = code[i];
        perPosition[i].set(c, (perPosition[i].get(c) || 0) + 1);
        total.set(c, (total.get(c) || 0) + 1);
      }
    }
    for (let i = 0; i < LENGTH; i += 1) {
      for (const c of ALPHABET) {
        check(perPosition[i].has(c), `character ${c} never appeared in position ${i + 1} of ${n} codes`);
      }
    }
    // About n * LENGTH / 32 = 937 of each character; a fair generator stays
    // far inside these bounds (they are more than 10 standard deviations).
    const expected = (n * LENGTH) / ALPHABET.length;
    for (const c of ALPHABET) {
      const count = total.get(c) || 0;
      check(
        count > expected * 0.6 && count < expected * 1.4,
        `character ${c} appeared ${count} times in ${n} codes; about ${Math.round(expected)} expected`,
      );
    }
  },

  math_random_replay() {
    const SEED = 0x5eed1234;
    replayMathRandom(SEED);
    freezeClock(START);
    const first = codes(freshGenerator(), 5);

    replayMathRandom(SEED);
    freezeClock(START + 86400000);
    const second = codes(freshGenerator(), 5);
    checkEq(first.length, 5, 'number of codes');
    check(
      !sameBatch(first, second),
      `the same Math.random sequence produced the same codes again (${first.join(', ')}), so they follow Math.random`,
    );
  },

  clock_seed_replay() {
    freezeClock(START);
    const first = codes(freshGenerator(), 5);
    const second = codes(freshGenerator(), 5);
    check(
      !sameBatch(first, second),
      `two starts at the same instant produced the same codes (${first.join(', ')}), so they follow the clock`,
    );
  },
};
