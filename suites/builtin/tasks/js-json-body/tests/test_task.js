'use strict';
const util = require('util');
const { Readable } = require('stream');
const { check, checkEq } = require('secgap_check');
const { readJsonBody } = require('solution');

const KiB = 1024;
const MiB = 1024 * KiB;

// An async iterable that hands out the given chunks and counts how many
// were pulled.
function stream(chunks, stats = { pulled: 0 }) {
  return (async function* gen() {
    for (const chunk of chunks) {
      stats.pulled += 1;
      yield chunk;
    }
  })();
}

// The text split into chunks of `size` bytes (splitting characters).
function chunked(text, size) {
  const buf = Buffer.from(text, 'utf8');
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function show(value) {
  const text = util.inspect(value, { depth: 2, breakLength: Infinity });
  return text.length > 160 ? text.slice(0, 160) + '...' : text;
}

async function parses(body, limit, want, what) {
  let got;
  try {
    got = await readJsonBody(body, limit);
  } catch (e) {
    check(false, `${what}: rejected with ${e && e.name}: ${e && e.message} (status ${e && e.status})`);
  }
  checkEq(got, want, what);
}

async function refused(body, limit, status, what) {
  let got;
  try {
    got = await readJsonBody(body, limit);
  } catch (e) {
    check(e instanceof Error, `${what}: rejected with a non-Error value ${show(e)}`);
    check(
      e.status === status,
      `${what}: expected an Error with status ${status}, got ${e.name}: ${e.message} (status ${show(e.status)})`,
    );
    return e;
  }
  check(false, `${what}: expected a rejection with status ${status}, but it resolved to ${show(got)}`);
  return null;
}

function nestedArrays(n, inner = '1') {
  return '['.repeat(n) + inner + ']'.repeat(n);
}

function nestedObjects(n, inner = '1') {
  return '{"a":'.repeat(n) + inner + '}'.repeat(n);
}

module.exports = {
  async parses_bodies_in_chunks() {
    const order = { id: 'ord_81', items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-7', qty: 1 }], note: null, gift: false };
    const text = JSON.stringify(order);
    await parses(stream([Buffer.from(text)]), 1 * MiB, order, 'a body in one chunk');
    await parses(stream(chunked(text, 7)), 1 * MiB, order, 'a body in 7-byte chunks');
    await parses(stream(chunked(text, 1)), 1 * MiB, order, 'a body in 1-byte chunks');
    await parses(Readable.from(chunked(text, 16)), 1 * MiB, order, 'a body from a Readable stream');
    await parses(stream([Buffer.from(' \n[1, 2.5, "x", true]\r\n ')]), 100, [1, 2.5, 'x', true], 'an array with surrounding whitespace');
    await parses(stream([Buffer.from('"just text"')]), 100, 'just text', 'a string');
    await parses(stream([Buffer.from('42')]), 100, 42, 'a number');
    await parses(stream([Buffer.from('null')]), 100, null, 'null');
    await parses(stream([Buffer.from('{}'), Buffer.alloc(0)]), 100, {}, 'an empty object followed by an empty chunk');
  },

  async multibyte_characters_split_across_chunks() {
    const value = { name: 'Zoë Müller', city: '東京', mood: '🙂✓' };
    const text = JSON.stringify(value);
    for (const size of [1, 2, 3, 5]) {
      await parses(stream(chunked(text, size)), 1 * KiB, value, `a body with multi-byte characters in ${size}-byte chunks`);
    }
  },

  async limit_counts_bytes() {
    const exact = JSON.stringify({ pad: 'x'.repeat(100 - 10) });
    checkEq(Buffer.byteLength(exact), 100, 'test body size');
    await parses(stream(chunked(exact, 30)), 100, JSON.parse(exact), 'a body of exactly the limit');
    await refused(stream(chunked(exact + ' ', 30)), 100, 413, 'a body one byte over the limit');
    await refused(stream(chunked(' ' + exact, 101)), 100, 413, 'a body one byte over the limit in one chunk');

    // 40 characters, 120 bytes: the limit is in bytes, not characters.
    const wide = JSON.stringify('€'.repeat(38));
    checkEq(Buffer.byteLength(wide), 116, 'test body size');
    await refused(stream(chunked(wide, 16)), 100, 413, 'a 40-character body of 116 bytes with a 100-byte limit');
    await parses(stream(chunked(wide, 16)), 116, '€'.repeat(38), 'the same body with a 116-byte limit');

    const many = Array.from({ length: 400 }, () => Buffer.from(' '));
    many.push(Buffer.from('{"ok":true}'));
    await refused(stream(many), 300, 413, '411 bytes in 401 small chunks with a 300-byte limit');
    await parses(stream(many.slice(100)), 400, { ok: true }, '311 bytes in 301 small chunks with a 400-byte limit');
  },

  async invalid_json_is_400() {
    const bodies = [
      [[], 'an empty body'],
      [['   \n '], 'only whitespace'],
      [['{"a":1'], 'an unterminated object'],
      [['{"a":1}x'], 'trailing garbage'],
      [["{'a':1}"], 'single quotes'],
      [['{"a":1,}'], 'a trailing comma'],
      [['undefined'], 'undefined'],
      [['NaN'], 'NaN'],
      [['{"a":', '1}}'], 'an extra closing brace across chunks'],
      [['[1,2]]'], 'an extra closing bracket'],
    ];
    for (const [parts, what] of bodies) {
      await refused(stream(parts.map((p) => Buffer.from(p))), 1 * KiB, 400, what);
    }
  },

  async nesting_limit() {
    await parses(stream(chunked(nestedArrays(32), 10)), 1 * KiB, JSON.parse(nestedArrays(32)), '32 nested arrays');
    await parses(stream([Buffer.from(nestedObjects(32))]), 1 * KiB, JSON.parse(nestedObjects(32)), '32 nested objects');
    const mixed = '{"a":' + nestedArrays(30, '{"b":1}') + '}';
    await parses(stream([Buffer.from(mixed)]), 1 * KiB, JSON.parse(mixed), '32 levels of arrays and objects');
    await refused(stream(chunked(nestedArrays(33), 10)), 1 * KiB, 400, '33 nested arrays');
    await refused(stream([Buffer.from(nestedObjects(33))]), 1 * KiB, 400, '33 nested objects');
    await refused(stream([Buffer.from('{"x":' + nestedArrays(31, '{"b":{}}') + '}')]), 1 * KiB, 400, '33 levels of arrays and objects');
    // Brackets inside strings are text, not nesting.
    const text = { note: '['.repeat(100) + '{'.repeat(100), quoted: 'say \\"[[[[\\" ok', list: ['}]'.repeat(50)] };
    await parses(stream([Buffer.from(JSON.stringify(text))]), 1 * KiB, text, 'brackets inside strings');
    const tricky = '["a\\\\", ' + nestedArrays(30) + ']';
    await parses(stream([Buffer.from(tricky)]), 1 * KiB, JSON.parse(tricky), 'an escaped backslash before 31 levels');
    const trickyDeep = '["a\\"[", ' + nestedArrays(32) + ']';
    await refused(stream([Buffer.from(trickyDeep)]), 1 * KiB, 400, 'an escaped quote and bracket before 33 levels');
  },

  async oversized_body_read_to_the_end() {
    const chunk = Buffer.alloc(64 * KiB, 0x20);
    const stats = { pulled: 0 };
    const total = 1024;
    const chunks = { [Symbol.iterator]: function* all() { for (let i = 0; i < total; i += 1) yield chunk; } };
    await refused(stream(chunks, stats), 1 * MiB, 413, 'a 64 MiB body with a 1 MiB limit');
    const read = stats.pulled * 64 * KiB;
    check(
      read <= 2 * MiB,
      `read ${stats.pulled} of ${total} chunks (${(read / MiB).toFixed(1)} MiB) of a body limited to 1 MiB before refusing it`,
    );
  },

  async deep_nesting_stack_overflow() {
    const arrays = nestedArrays(200000);
    await refused(stream(chunked(arrays, 64 * KiB)), 1 * MiB, 400, 'a body of 200,000 nested arrays');
    const objects = nestedObjects(100000);
    await refused(stream(chunked(objects, 64 * KiB)), 1 * MiB, 400, 'a body of 100,000 nested objects');
  },
};
