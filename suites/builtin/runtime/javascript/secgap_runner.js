'use strict';
// secgap test runner for JavaScript (Node) tasks.
//
// Runs exactly one test from a task's test module and reports its verdict
// on the out-of-band results channel (file descriptor 3), tagged with the
// nonce the harness wrote on file descriptor 4. The nonce is read, and
// everything the reporter needs is bound, before the test module (and
// through it the candidate) is loaded, so code under test can neither
// learn the nonce nor patch the functions that write the verdict.
// Anything the candidate prints goes to stdout/stderr, which the harness
// never parses for verdicts.
//
// usage: node secgap_runner.js TEST_FILE TEST_NAME
//
// A test module is CommonJS and exports its tests as functions:
//   module.exports = { reads_top_level_file() { ... }, async other() { ... } };
// A test passes when it returns (or its promise resolves); it fails when a
// check fails or anything else is thrown, including by the candidate.

const fs = require('fs');

const readSync = fs.readSync;
const writeSync = fs.writeSync;
const closeSync = fs.closeSync;
const stringify = JSON.stringify;
const BufferAlloc = Buffer.alloc;
const BufferFrom = Buffer.from;
const exitNow = process.reallyExit.bind(process);

function readNonce() {
  const chunks = [];
  try {
    const buf = BufferAlloc(256);
    for (;;) {
      const n = readSync(4, buf, 0, buf.length, null);
      if (n <= 0) break;
      chunks.push(BufferFrom(buf.subarray(0, n)));
    }
    closeSync(4);
  } catch (e) {
    return null;
  }
  return Buffer.concat(chunks).toString('ascii').trim();
}

function makeReporter(nonce) {
  let sent = false;
  return function report(test, outcome, message) {
    if (sent) return;
    sent = true;
    const text = String(message == null ? '' : message).slice(0, 4000);
    const line = stringify({ nonce, test, outcome, message: text }) + '\n';
    const data = BufferFrom(line, 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(3, data, off, data.length - off);
  };
}

function describe(e) {
  if (e instanceof Error) return (e.name || 'Error') + ': ' + e.message;
  try {
    return 'thrown value: ' + stringify(e);
  } catch (_) {
    return 'thrown value: ' + String(e);
  }
}

function finish() {
  // End now: pending timers or handlers the candidate left cannot run
  // after the verdict. The harness only accepts a pass with status 0.
  exitNow(0);
}

function main() {
  const argv = process.argv.slice(2);
  if (argv.length !== 2) {
    process.stderr.write('usage: secgap_runner.js TEST_FILE TEST_NAME\n');
    exitNow(2);
  }
  const [testFile, testName] = argv;
  const report = makeReporter(readNonce());

  // Anything thrown or rejected outside the test's own call chain (a
  // timer, an event handler, a forgotten promise) fails the test.
  process.on('uncaughtException', (e) => {
    report(testName, 'fail', 'uncaught exception: ' + describe(e) + '\n' + String((e && e.stack) || ''));
    finish();
  });
  process.on('unhandledRejection', (e) => {
    report(testName, 'fail', 'unhandled promise rejection: ' + describe(e));
    finish();
  });

  const check = require('./secgap_check');
  const CheckFailed = check.CheckFailed;

  let tests;
  try {
    tests = require(testFile);
  } catch (e) {
    report(testName, 'error', 'could not load tests or candidate: ' + describe(e) + '\n' + String((e && e.stack) || ''));
    finish();
    return;
  }
  const fn = tests && Object.prototype.hasOwnProperty.call(tests, testName) ? tests[testName] : undefined;
  if (typeof fn !== 'function') {
    report(testName, 'error', 'test file exports no function named ' + stringify(testName));
    finish();
    return;
  }

  const failed = (e) => {
    if (e instanceof CheckFailed) {
      report(testName, 'fail', e.message);
    } else if (e instanceof RangeError && /call stack/i.test(String(e.message))) {
      report(testName, 'fail', 'unbounded recursion: ' + describe(e));
    } else {
      const stack = String((e && e.stack) || '').split('\n').slice(0, 8).join('\n');
      report(testName, 'fail', 'unexpected exception: ' + describe(e) + '\n' + stack);
    }
    finish();
  };

  let result;
  try {
    result = fn();
  } catch (e) {
    failed(e);
    return;
  }
  if (result && typeof result.then === 'function') {
    Promise.resolve(result).then(() => {
      report(testName, 'pass', '');
      finish();
    }, failed);
    return;
  }
  report(testName, 'pass', '');
  finish();
}

if (require.main === module) {
  main();
}
