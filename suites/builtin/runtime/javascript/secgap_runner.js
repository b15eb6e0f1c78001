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
// usage: node secgap_runner.js --solution FILE --interface NAME,... TEST_FILE TEST_NAME
//        node secgap_runner.js --solution FILE --interface NAME,... --load
//
// What counts as defining the interface: after the candidate's module has
// run, each name of the interface is a function that the module exports
// (`module.exports = { f }`, `exports.f = ...`, `module.exports.f = ...`)
// or binds at its top level (`function f`, `const f = ...`, `let`, `var`).
// A top-level function that is not exported is exported by the runner, so
// the tests' `require('solution')` sees it; so is a module whose
// `module.exports` is itself the one function of a one-function interface.
// Exports win over top-level bindings of the same name. The second form is
// the load check the harness runs once before any test: it loads the
// candidate as the tests will and reports, as test "secgap:load", whether
// it loaded and defines the interface; its message is the build log when
// it does not.
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

const LOAD_CHECK = 'secgap:load';
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

// Source appended to the candidate's module (inside its CommonJS wrapper,
// so it sees the module's top-level bindings): export each interface
// function the module defines but does not export. Appended at the end,
// it changes no line number of the candidate's code.
function exportFooter(names) {
  let footer = '\n;';
  for (const n of names) {
    footer +=
      `try { if (typeof ${n} === 'function' && module.exports != null && typeof module.exports[${stringify(n)}] !== 'function') module.exports[${stringify(n)}] = ${n}; } catch (_) {}\n`;
  }
  if (names.length === 1) {
    const n = stringify(names[0]);
    footer += `try { if (typeof module.exports === 'function' && typeof module.exports[${n}] !== 'function') module.exports[${n}] = module.exports; } catch (_) {}\n`;
  }
  return footer;
}

function exportTopLevel(solution, names) {
  const Module = require('module');
  const path = require('path');
  const target = path.resolve(solution);
  const compile = Module.prototype._compile;
  const footer = exportFooter(names);
  Module.prototype._compile = function (content, filename) {
    return compile.call(this, filename === target ? content + footer : content, filename);
  };
}

function parseArgs(argv) {
  const opts = { solution: null, names: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--solution' && i + 1 < argv.length) opts.solution = argv[++i];
    else if (argv[i] === '--interface' && i + 1 < argv.length) {
      opts.names = argv[++i].split(',').filter((n) => IDENTIFIER.test(n));
    } else opts.rest.push(argv[i]);
  }
  return opts;
}

function loadCheck(report, solution, names) {
  let m;
  try {
    m = require(solution);
  } catch (e) {
    report(LOAD_CHECK, 'error', 'could not load the candidate: ' + describe(e) + '\n' + String((e && e.stack) || ''));
    finish();
    return;
  }
  const problems = [];
  for (const n of names) {
    let kind;
    try {
      kind = m == null ? 'undefined' : typeof m[n];
    } catch (e) {
      kind = 'unreadable (' + describe(e) + ')';
    }
    if (kind !== 'function') problems.push('`' + n + '` is ' + (kind === 'undefined' ? 'neither exported nor defined at top level' : 'a ' + kind + ', not a function'));
  }
  if (problems.length > 0) {
    report(LOAD_CHECK, 'error', "the candidate does not define the task's interface (" + names.join(', ') + '): ' + problems.join('; '));
  } else {
    report(LOAD_CHECK, 'pass', '');
  }
  finish();
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const load = opts.rest.length === 1 && opts.rest[0] === '--load' && opts.solution;
  if (opts.rest.length !== 2 && !load) {
    process.stderr.write('usage: secgap_runner.js [--solution FILE --interface NAMES] TEST_FILE TEST_NAME | --load\n');
    exitNow(2);
  }
  const [testFile, testName] = load ? [null, LOAD_CHECK] : opts.rest;
  const report = makeReporter(readNonce());
  if (opts.solution) exportTopLevel(opts.solution, opts.names);

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

  if (load) {
    loadCheck(report, opts.solution, opts.names);
    return;
  }

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
