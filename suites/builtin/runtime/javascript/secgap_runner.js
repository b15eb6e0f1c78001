'use strict';
// secgap test runner for JavaScript (Node) tasks: the checker.
//
// Runs exactly one test from a task's test module and reports its verdict
// on the out-of-band results channel (file descriptor 3), tagged with the
// nonce the harness wrote on file descriptor 4. The candidate never runs
// in this process: it runs in the worker (secgap_worker.js), a process in a
// sandbox of its own that this runner starts from the command line the
// harness put in SECGAP_WORKER, with the calls it sends on the worker's
// descriptor 3 and the answers it reads on the worker's descriptor 4. The
// tests' `require('solution')` gives an object whose interface functions
// each send a call to the worker and decode its answer into this process's
// own built-in types (secgap_wire.js), so the comparisons, the check
// library and the reporter are code the candidate never touched. This
// process never loads or evaluates the candidate's file and resolves no
// module from /work (the worker can write there).
//
// usage: node secgap_runner.js --interface NAME,... TEST_FILE TEST_NAME
//        node secgap_runner.js --interface NAME,... --load
//
// The second form is the load check the harness runs once before any test:
// it asks the worker to load the candidate as the tests will and reports,
// as test "secgap:load", whether it loaded and defines the interface (the
// rules are in secgap_worker.js); its message is the load error when it
// does not.
//
// A test module is CommonJS and exports its tests as functions:
//   module.exports = { reads_top_level_file() { ... }, async other() { ... } };
// A test passes when it returns (or its promise resolves); it fails when a
// check fails or anything else is thrown, including by the candidate. It
// also fails, whatever it caught, when the candidate's process ended
// during a call, sent something that is not a value of the wire, returned
// a value with no plain-data form, or threw outside a call.

const fs = require('fs');
const childProcess = require('child_process');

const readSync = fs.readSync;
const writeSync = fs.writeSync;
const closeSync = fs.closeSync;
const stringify = JSON.stringify;
const BufferAlloc = Buffer.alloc;
const BufferFrom = Buffer.from;
const exitNow = process.reallyExit.bind(process);

const LOAD_CHECK = 'secgap:load';
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// What the tests require to get the candidate, and the name it has in
// require.cache here: no file, so nothing can ever be loaded from disk.
const SOLUTION = 'solution';
const SOLUTION_ID = 'secgap:candidate';

// ---------------------------------------------------------------------------
// The worker, started first so that its interpreter starts while this one
// loads the tests.

function startWorker() {
  const spec = process.env.SECGAP_WORKER;
  delete process.env.SECGAP_WORKER;
  if (!spec) throw new Error('SECGAP_WORKER is not set: the harness gave no worker command line');
  const argv = JSON.parse(spec);
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new Error('SECGAP_WORKER is not a JSON array of strings');
  }
  // Two named pipes in this sandbox's own /tmp (the worker has another):
  // opened here, they give blocking descriptors for waiting on an answer,
  // which Node's own child pipes (non-blocking sockets) do not.
  const dir = fs.mkdtempSync('/tmp/secgap-wire-');
  const calls = dir + '/calls';
  const replies = dir + '/replies';
  childProcess.execFileSync('/usr/bin/mkfifo', ['-m', '600', calls, replies], { stdio: 'ignore' });
  // Opened in an order where no open waits for the other side: a
  // non-blocking read end first, then the write end, then (replies) the
  // blocking read end. Each pipe has one writer, so each side sees the end
  // of the other. The worker's read end of the calls is non-blocking; it
  // opens a blocking twin of it itself.
  const nonBlocking = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  const callsWorker = fs.openSync(calls, nonBlocking);
  const callsMine = fs.openSync(calls, 'w');
  const repliesAsync = fs.openSync(replies, nonBlocking);
  const repliesWorker = fs.openSync(replies, 'w');
  const repliesMine = fs.openSync(replies, 'r');
  fs.unlinkSync(calls);
  fs.unlinkSync(replies);
  fs.rmdirSync(dir);
  const state = { exit: null, error: null };
  let settle;
  state.done = new Promise((resolve) => {
    settle = resolve;
  });
  // Descriptors 0-4 only: libuv places the two pipe ends on 3 and 4 (over
  // this process's results channel and nonce), and everything else Node
  // holds is close-on-exec.
  const child = childProcess.spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit', callsWorker, repliesWorker],
    env: {},
  });
  child.on('exit', (code, signal) => {
    state.exit = signal ? 'killed by signal ' + signal : 'exit status ' + code;
    settle();
  });
  child.on('error', (e) => {
    state.error = e;
    settle();
  });
  closeSync(callsWorker);
  closeSync(repliesWorker);
  return { child, state, callsMine, repliesMine, repliesAsync };
}

// Started before anything else is loaded, so both interpreters start at
// once (when started as the runner: `require.main === module` below).
let started = null;
let startError = null;
if (require.main === module) {
  try {
    started = startWorker();
  } catch (e) {
    startError = e;
  }
}

const Module = require('module');
const wire = require('./secgap_wire');

// ---------------------------------------------------------------------------
// The verdict.

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

const describe = wire.describe;

function finish() {
  // End now: nothing left pending can run after the verdict. The harness
  // only accepts a pass with status 0.
  exitNow(0);
}

function parseArgs(argv) {
  const opts = { names: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--interface' && i + 1 < argv.length) {
      opts.names = argv[++i].split(',').filter((n) => IDENTIFIER.test(n));
    } else opts.rest.push(argv[i]);
  }
  return opts;
}

// What ended the test whatever the test itself caught: the first of these.
let fatal = null;

function setFatal(kind, message) {
  if (fatal === null) fatal = { kind, message };
}

// The worker's end, in words, once its exit status is known (or after a
// short wait for it).
async function workerEnd(w) {
  if (w && !w.state.exit && !w.state.error) {
    await Promise.race([w.state.done, new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  if (!w) return 'the candidate\'s process could not be started';
  if (w.state.error) return 'the candidate\'s process could not be started: ' + describe(w.state.error);
  return w.state.exit || 'its exit status is unknown';
}

// ---------------------------------------------------------------------------
// The candidate as the tests see it.

function connect(w) {
  const peer = new wire.Peer({
    readFd: w.repliesMine,
    asyncFd: w.repliesAsync,
    writeFd: w.callsMine,
    // The worker may call back what a test handed it (a resolver, a stream).
    serve: (msg, args) => {
      if (msg.op === 'fn' || msg.op === 'it') return peer.serveHandle(msg, args);
      throw new TypeError('the checker serves no request ' + String(msg.op));
    },
    onUncaught: (text) => {
      setFatal('uncaught', text);
      setImmediate(() => conclude('fail', ''));
    },
    onGone: (e) => {
      setFatal(e ? 'protocol' : 'gone', e ? 'the candidate\'s process broke the wire: ' + e.message : '');
      setImmediate(() => conclude('fail', ''));
    },
    onFatal: (message) => setFatal('unconvertible', message),
  });
  wire.current = peer;
  return peer;
}

// A fresh instance of the candidate's module in the worker, as an object
// whose interface functions call it.
function candidateModule(peer) {
  const { inst, names } = peer.request('load', {}, undefined);
  if (typeof inst !== 'number' || !Array.isArray(names)) throw new wire.ProtocolError('malformed load answer');
  const exports = {};
  for (const name of names) {
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) continue;
    const f = {
      [name](...args) {
        return peer.request('call', { inst, name, self: this === exports }, args);
      },
    }[name];
    exports[name] = f;
  }
  return exports;
}

// `require('solution')` (and require.resolve) in the tests: the worker's
// candidate, never a file. Deleting its require.cache entry and requiring
// it again loads a fresh copy in the worker, as it did in one process.
function interceptSolution(peer) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    if (request === SOLUTION) return SOLUTION_ID;
    return resolve.call(this, request, parent, isMain, options);
  };
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === SOLUTION || request === SOLUTION_ID) {
      const cached = require.cache[SOLUTION_ID];
      if (cached) return cached.exports;
      const m = new Module(SOLUTION_ID, parent);
      m.filename = SOLUTION_ID;
      m.exports = candidateModule(peer);
      m.loaded = true;
      require.cache[SOLUTION_ID] = m;
      return m.exports;
    }
    return load.call(this, request, parent, isMain);
  };
}

// ---------------------------------------------------------------------------

let report = null;
let testName = LOAD_CHECK;
let worker = null;
let concluded = false;

async function conclude(outcome, message) {
  if (concluded) return;
  concluded = true;
  if (fatal !== null) {
    const f = fatal;
    let text = f.message;
    if (f.kind === 'gone') {
      const end = await workerEnd(worker);
      text = testName === LOAD_CHECK
        ? 'could not load the candidate: its process ended while loading (' + end + '), so there is no verdict on the interface'
        : 'the candidate\'s process ended during a call (' + end + ')';
      if (worker && worker.state.error) outcome = 'error';
      else outcome = testName === LOAD_CHECK ? 'error' : 'fail';
    } else {
      outcome = testName === LOAD_CHECK ? 'error' : 'fail';
    }
    report(testName, outcome, text);
  } else {
    report(testName, outcome, message);
  }
  finish();
}

function loadCheck(peer, names) {
  let answer;
  try {
    answer = peer.request('check', {}, undefined);
  } catch (e) {
    if (fatal === null) setFatal('protocol', 'could not load the candidate: ' + describe(e));
    conclude('error', '');
    return;
  }
  if (!answer || typeof answer !== 'object') {
    setFatal('protocol', 'could not load the candidate: a malformed answer from its process');
    conclude('error', '');
    return;
  }
  if (answer.loaded !== true) {
    conclude('error', 'could not load the candidate: ' + String(answer.error));
    return;
  }
  const kinds = new Map(Array.isArray(answer.kinds) ? answer.kinds.filter((k) => Array.isArray(k) && k.length === 2) : []);
  const problems = [];
  for (const n of names) {
    const kind = typeof kinds.get(n) === 'string' ? kinds.get(n) : 'undefined';
    if (kind !== 'function') problems.push('`' + n + '` is ' + (kind === 'undefined' ? 'neither exported nor defined at top level' : 'a ' + kind + ', not a function'));
  }
  if (problems.length > 0) {
    conclude('error', "the candidate does not define the task's interface (" + names.join(', ') + '): ' + problems.join('; '));
  } else {
    conclude('pass', '');
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const load = opts.rest.length === 1 && opts.rest[0] === '--load';
  if (opts.rest.length !== 2 && !load) {
    process.stderr.write('usage: secgap_runner.js --interface NAMES TEST_FILE TEST_NAME | --interface NAMES --load\n');
    exitNow(2);
  }
  testName = load ? LOAD_CHECK : opts.rest[1];
  const testFile = load ? null : opts.rest[0];
  report = makeReporter(readNonce());
  if (startError !== null) {
    report(testName, 'error', 'could not start the candidate\'s process: ' + describe(startError));
    finish();
    return;
  }
  worker = started;
  const peer = connect(worker);

  // Anything thrown or rejected outside the test's own call chain fails
  // the test.
  process.on('uncaughtException', (e) => {
    setFatal('uncaught', 'uncaught exception: ' + describe(e) + '\n' + String((e && e.stack) || ''));
    conclude('fail', '');
  });
  process.on('unhandledRejection', (e) => {
    setFatal('uncaught', 'unhandled promise rejection: ' + describe(e));
    conclude('fail', '');
  });

  if (load) {
    loadCheck(peer, opts.names);
    return;
  }

  interceptSolution(peer);
  const check = require('./secgap_check');
  const CheckFailed = check.CheckFailed;

  let tests;
  try {
    tests = require(testFile);
  } catch (e) {
    conclude('error', 'could not load tests or candidate: ' + describe(e) + '\n' + String((e && e.stack) || ''));
    return;
  }
  const fn = tests && Object.prototype.hasOwnProperty.call(tests, testName) ? tests[testName] : undefined;
  if (typeof fn !== 'function') {
    conclude('error', 'test file exports no function named ' + stringify(testName));
    return;
  }

  const failed = (e) => {
    if (e instanceof CheckFailed) {
      conclude('fail', e.message);
    } else if (e instanceof RangeError && /call stack/i.test(String(e.message))) {
      conclude('fail', 'unbounded recursion: ' + describe(e));
    } else {
      const stack = String((e && e.stack) || '').split('\n').slice(0, 8).join('\n');
      conclude('fail', 'unexpected exception: ' + describe(e) + '\n' + stack);
    }
  };

  let result;
  try {
    result = fn();
  } catch (e) {
    failed(e);
    return;
  }
  if (result && typeof result.then === 'function') {
    Promise.resolve(result).then(() => conclude('pass', ''), failed);
    return;
  }
  conclude('pass', '');
}

if (require.main === module) {
  main();
}
