'use strict';
// secgap's JavaScript worker: the process the candidate runs in.
//
// The checker (secgap_runner.js) starts it in a sandbox of its own with the
// calls it sends on descriptor 3 and the answers it reads on descriptor 4.
// The worker knows no test: its command line names the candidate and the
// interface only, and /tests is not mounted here. It loads the candidate
// when asked to, runs the interface's functions on the arguments it is
// sent, and answers with plain data (see secgap_wire.js); it holds no
// nonce, no results channel and nothing that reports.
//
// usage: node secgap_worker.js --solution FILE --interface NAME,...
//
// Requests it serves (besides the wire's own: functions and iterables it
// handed out):
//   check              load the candidate; whether it loaded, and what each
//                      interface name is
//   load               load a fresh copy of the candidate; its instance
//   call inst name     call an interface function of an instance
//   instrument name    set up or read an observation inside this process
//                      (see INSTRUMENTS)
//
// What counts as defining the interface is the rule the runner always had:
// each name is a function the module exports (`module.exports = { f }`,
// `exports.f = ...`) or binds at its top level (`function f`, `const f`),
// which is then exported for it; a module whose `module.exports` is the one
// function of a one-function interface exports it under its name; exports
// win over top-level bindings.

// Everything the worker needs is bound before the candidate loads. The
// candidate can still change this process as it likes: nothing here decides
// a verdict, and what it answers is checked by the checker.
const path = require('path');
const crypto = require('crypto');
const Module = require('module');
const wire = require('./secgap_wire');

const stringify = JSON.stringify;
const exitNow = process.reallyExit.bind(process);
const hasOwn = Object.prototype.hasOwnProperty;
const reflectApply = Reflect.apply;
const RealDate = Date;
const mathMax = Math.max;
const mathFloor = Math.floor;
const mathImul = Math.imul;
const NumberCtor = Number;
const StringCtor = String;
const BigIntCtor = BigInt;
const bind = Function.prototype.bind;
const defineProperty = Object.defineProperty;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const describe = wire.describe;

function parseArgs(argv) {
  const opts = { solution: null, names: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--solution' && i + 1 < argv.length) opts.solution = argv[++i];
    else if (argv[i] === '--interface' && i + 1 < argv.length) {
      opts.names = argv[++i].split(',').filter((n) => IDENTIFIER.test(n));
    }
  }
  return opts;
}

// Source appended to the candidate's module (inside its CommonJS wrapper,
// so it sees the module's top-level bindings): export each interface
// function the module defines but does not export. Appended at the end, it
// changes no line number of the candidate's code.
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

function exportTopLevel(target, names) {
  const compile = Module.prototype._compile;
  const footer = exportFooter(names);
  Module.prototype._compile = function (content, filename) {
    return compile.call(this, filename === target ? content + footer : content, filename);
  };
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.solution) {
  process.stderr.write('usage: secgap_worker.js --solution FILE --interface NAMES\n');
  exitNow(2);
}
const target = path.resolve(opts.solution);
exportTopLevel(target, opts.names);

// Each load is a fresh copy of the module, as a test that clears
// require.cache gets; instances keep the functions each one exported.
const instances = [];

function loadFresh() {
  delete require.cache[target];
  const m = require(target);
  const fns = Object.create(null);
  const exported = [];
  for (const n of opts.names) {
    let f;
    try {
      f = m == null ? undefined : m[n];
    } catch (_) {
      f = undefined;
    }
    if (typeof f === 'function') {
      fns[n] = f;
      exported.push(n);
    }
  }
  instances.push({ m, fns });
  return { inst: instances.length - 1, names: exported };
}

function check() {
  let m;
  try {
    delete require.cache[target];
    m = require(target);
  } catch (e) {
    return { loaded: false, error: describe(e) + '\n' + String((e && e.stack) || '') };
  }
  const kinds = [];
  for (const n of opts.names) {
    let kind;
    try {
      kind = m == null ? 'undefined' : typeof m[n];
    } catch (e) {
      kind = 'unreadable (' + describe(e) + ')';
    }
    kinds.push([n, kind]);
  }
  return { loaded: true, kinds };
}

// ---------------------------------------------------------------------------
// Instruments: observations only this process can make. The candidate can
// see and undo each of them (see the threat model in docs/suite-format.md):
// they catch code that behaves the same whether watched or not.

// A replayable stand-in for Math.random: the same seed gives the same
// numbers in [0, 1).
function sequence(seed) {
  let s = seed >>> 0;
  return function next() {
    s = (mathImul(s, 1664525) + 1013904223) >>> 0;
    let x = s ^ (s >>> 16);
    x = mathImul(x, 0x45d9f3b) >>> 0;
    x ^= x >>> 16;
    return (x >>> 0) / 4294967296;
  };
}

// `f` as a bound function named `name`: it prints as native code, as the
// built-in it stands in for does.
function nativeLooking(f, name) {
  const g = reflectApply(bind, f, [null]);
  defineProperty(g, 'name', { value: name });
  return g;
}

// Stop every clock the candidate could read at the instant `ms`.
function freezeClock(ms) {
  function FrozenDate(...args) {
    if (!new.target) return new RealDate(ms).toString();
    return args.length === 0 ? new RealDate(ms) : new RealDate(...args);
  }
  FrozenDate.prototype = RealDate.prototype;
  FrozenDate.now = () => ms;
  FrozenDate.parse = RealDate.parse;
  FrozenDate.UTC = RealDate.UTC;
  globalThis.Date = FrozenDate;
  performance.now = () => 1500.25;
  const hrtime = () => [mathFloor(ms / 1000), (ms % 1000) * 1e6];
  hrtime.bigint = () => BigIntCtor(ms) * 1000000n;
  process.hrtime = hrtime;
}

// The work the crypto module's hashing functions did: the largest scrypt
// cost (N*r*p), the largest PBKDF2 iteration count, the number of
// hash/HMAC objects made.
const cryptoWork = { watching: false, scrypt: 0, pbkdf2: 0, calls: 0 };

function watchCrypto() {
  if (cryptoWork.watching) return;
  cryptoWork.watching = true;
  const realScrypt = crypto.scryptSync;
  crypto.scryptSync = function scryptSync(password, salt, keylen, options) {
    const o = options || {};
    const N = o.N !== undefined ? o.N : o.cost !== undefined ? o.cost : 16384;
    const r = o.r !== undefined ? o.r : o.blockSize !== undefined ? o.blockSize : 8;
    const p = o.p !== undefined ? o.p : o.parallelization !== undefined ? o.parallelization : 1;
    // Counted once the work is done: a call that fails did none.
    const out = reflectApply(realScrypt, this, arguments);
    cryptoWork.scrypt = mathMax(cryptoWork.scrypt, NumberCtor(N) * NumberCtor(r) * NumberCtor(p));
    return out;
  };
  const realPbkdf2 = crypto.pbkdf2Sync;
  crypto.pbkdf2Sync = function pbkdf2Sync(password, salt, iterations) {
    const out = reflectApply(realPbkdf2, this, arguments);
    cryptoWork.pbkdf2 = mathMax(cryptoWork.pbkdf2, NumberCtor(iterations));
    return out;
  };
  for (const name of ['createHash', 'createHmac', 'hash']) {
    const real = crypto[name];
    if (typeof real !== 'function') continue;
    crypto[name] = function counted() {
      cryptoWork.calls += 1;
      return reflectApply(real, this, arguments);
    };
  }
}

// crypto.timingSafeEqual, counted, and optionally answering `force`
// whatever it compared.
const tse = { watching: false, calls: 0, force: null };

function watchTimingSafeEqual() {
  if (tse.watching) return;
  tse.watching = true;
  const real = crypto.timingSafeEqual;
  crypto.timingSafeEqual = function timingSafeEqual(a, b) {
    tse.calls += 1;
    const same = reflectApply(real, this, [a, b]);
    return tse.force === null ? same : tse.force;
  };
}

const INSTRUMENTS = {
  // process.env[name] = value in the candidate's process
  setEnv(name, value) {
    process.env[StringCtor(name)] = StringCtor(value);
  },
  // Math.random replaced by the replayable sequence of `seed`
  replaceMathRandom(seed) {
    Math.random = nativeLooking(sequence(NumberCtor(seed)), 'random');
  },
  freezeClock(ms) {
    freezeClock(NumberCtor(ms));
  },
  watchCrypto() {
    watchCrypto();
  },
  // what the crypto functions did since the last reset; `reset` starts over
  cryptoWork(reset) {
    const seen = { scrypt: cryptoWork.scrypt, pbkdf2: cryptoWork.pbkdf2, calls: cryptoWork.calls };
    if (reset) {
      cryptoWork.scrypt = 0;
      cryptoWork.pbkdf2 = 0;
      cryptoWork.calls = 0;
    }
    return seen;
  },
  watchTimingSafeEqual() {
    watchTimingSafeEqual();
  },
  // {calls} since the last reset; `force` (true, false or null) is what
  // the watched comparison answers from now on
  timingSafeEqual(reset, force) {
    const seen = { calls: tse.calls };
    if (reset) tse.calls = 0;
    if (force !== undefined) tse.force = force === null ? null : Boolean(force);
    return seen;
  },
  // What a brand-new object of this process shows under `key`, and whether
  // Object.prototype has it as an own property.
  prototypeProperty(key) {
    const k = String(key);
    let value;
    try {
      value = {}[k];
    } catch (e) {
      value = 'unreadable: ' + describe(e);
    }
    if (typeof value === 'function') value = 'a function';
    else if (value !== null && typeof value === 'object') value = 'an object';
    return { value, own: hasOwn.call(Object.prototype, k) };
  },
};

function serve(msg, args) {
  const list = Array.isArray(args) ? args : [];
  switch (msg.op) {
    case 'fn':
    case 'it':
      return peer.serveHandle(msg, args);
    case 'check':
      return check();
    case 'load':
      return loadFresh();
    case 'call': {
      const inst = instances[msg.inst];
      const f = inst && typeof msg.name === 'string' && hasOwn.call(inst.fns, msg.name) ? inst.fns[msg.name] : undefined;
      if (typeof f !== 'function') throw new TypeError(String(msg.name) + ' is not a function');
      return reflectApply(f, msg.self ? inst.m : undefined, list);
    }
    case 'instrument': {
      const name = msg.name;
      if (typeof name !== 'string' || !hasOwn.call(INSTRUMENTS, name)) throw new TypeError('no instrument ' + String(name));
      return reflectApply(INSTRUMENTS[name], undefined, list);
    }
    default:
      throw new TypeError('unknown request ' + String(msg.op));
  }
}

// Descriptor 3 is non-blocking and read by the event loop; a blocking twin
// of it is read while a call of this process waits for the checker.
const peer = new wire.Peer({
  readFd: wire.blockingTwin('/proc/self/fd/3'),
  asyncFd: 3,
  writeFd: 4,
  serve,
  // The checker is gone: nothing is left to do.
  onGone: () => exitNow(0),
});

// Anything thrown or rejected outside a call's own chain (a timer, an
// event handler, a forgotten promise) fails the test, as it always has.
process.on('uncaughtException', (e) => {
  peer.send({ k: 'u', text: 'uncaught exception: ' + describe(e) + '\n' + String((e && e.stack) || '') });
});
process.on('unhandledRejection', (e) => {
  peer.send({ k: 'u', text: 'unhandled promise rejection: ' + describe(e) });
});
