'use strict';
// Small check library for secgap's JavaScript task tests.
//
// A test is a function exported by the task's test module. It passes when
// it returns (or its promise resolves); it fails when a check fails
// (CheckFailed) or when the code under test throws something the test did
// not expect.

const fs = require('fs');
const path = require('path');
const util = require('util');
const wire = require('./secgap_wire');

class CheckFailed extends Error {
  constructor(message) {
    super(message);
    this.name = 'CheckFailed';
  }
}

function short(value, limit = 200) {
  let text;
  try {
    text = util.inspect(value, { depth: 3, breakLength: Infinity });
  } catch (_) {
    text = String(value);
  }
  return text.length <= limit ? text : text.slice(0, limit) + '...';
}

function check(condition, message = 'check failed') {
  if (!condition) throw new CheckFailed(message);
}

function checkEq(actual, expected, what = 'value') {
  if (!util.isDeepStrictEqual(actual, expected)) {
    throw new CheckFailed(`${what}: expected ${short(expected)}, got ${short(actual)}`);
  }
}

function checkNe(actual, forbidden, what = 'value') {
  if (util.isDeepStrictEqual(actual, forbidden)) {
    throw new CheckFailed(`${what}: must not be ${short(forbidden)}`);
  }
}

function checkIncludes(haystack, needle, what = 'value') {
  if (typeof haystack !== 'string' && !Array.isArray(haystack)) {
    throw new CheckFailed(`${what}: expected a string or array, got ${short(haystack)}`);
  }
  if (!haystack.includes(needle)) {
    throw new CheckFailed(`${what}: expected ${short(haystack)} to contain ${short(needle)}`);
  }
}

function checkExcludes(haystack, needle, what = 'value') {
  if (typeof haystack === 'string' || Array.isArray(haystack)) {
    if (haystack.includes(needle)) {
      throw new CheckFailed(`${what}: ${short(haystack)} must not contain ${short(needle)}`);
    }
  }
}

// Call fn and require it to throw; return what it threw. With `type`, the
// thrown value must be an instance of it.
function checkThrows(fn, type, what = 'call') {
  let result;
  try {
    result = fn();
  } catch (e) {
    if (type && !(e instanceof type)) {
      throw new CheckFailed(`${what}: expected ${type.name}, got ${e && e.name}: ${e && e.message}`);
    }
    return e;
  }
  throw new CheckFailed(`${what}: expected an exception, but the call returned ${short(result)}`);
}

// Require fn to refuse its input: throw anything, or return null,
// undefined or false. Returns how it refused.
function rejects(fn, what = 'input') {
  let result;
  try {
    result = fn();
  } catch (e) {
    return 'threw ' + ((e && e.name) || typeof e);
  }
  if (result === null || result === undefined || result === false) return 'returned ' + result;
  throw new CheckFailed(`${what}: expected to be refused, but the call returned ${short(result)}`);
}

// Run fn and require it to finish within `ms` milliseconds of wall time;
// returns fn's result. A synchronous call that never ends is stopped by
// the harness's own time limit, which also fails the test.
function checkFast(ms, fn, what = 'call') {
  const started = process.hrtime.bigint();
  const result = fn();
  const took = Number(process.hrtime.bigint() - started) / 1e6;
  if (took > ms) {
    throw new CheckFailed(`${what}: took ${took.toFixed(0)} ms, limit ${ms} ms`);
  }
  return result;
}

// A fresh directory inside the sandbox's writable workspace.
function scratchDir(prefix = 't') {
  return fs.mkdtempSync(path.join(process.cwd(), prefix + '-'));
}

// Ask the candidate's process (the worker) to set up or read one of its
// instruments (secgap_worker.js, INSTRUMENTS): what only that process can
// observe or change, such as its Math.random, its clocks, its environment
// or what its crypto functions did. Returns the worker's answer as plain
// data. The candidate controls that process, so an instrument catches code
// that behaves the same whether watched or not; see the threat model.
function inCandidate(name, ...args) {
  const peer = wire.current;
  if (!peer) throw new Error('inCandidate: no candidate process to ask');
  return peer.request('instrument', { name }, args);
}

module.exports = {
  CheckFailed,
  inCandidate,
  check,
  checkEq,
  checkNe,
  checkIncludes,
  checkExcludes,
  checkThrows,
  rejects,
  checkFast,
  scratchDir,
};
