'use strict';
// The wire between secgap's JavaScript checker (the tests, the check
// library and the reporter) and its worker (the candidate's process).
//
// Both ends use this file: each loads its own copy, and binds here every
// built-in it relies on when the file is first loaded, before any test or
// candidate code runs.
//
// Messages are JSON objects, one per line:
//   {k:'q', id, op, ...}  a request; the sender waits for its answer
//   {k:'a', id, r}        the answer: r = {v} a value, {e} a thrown error,
//                         {p} a promise (settled later by an 's' message);
//                         with `back`, the arguments as the callee left them
//   {k:'s', p, r}         a promise given out earlier settled: r = {v} | {e}
//   {k:'u', text}         (worker only) an exception nothing caught
// Either end may call the other while it waits for an answer (a test's
// callback, a function the candidate handed back), so waiting serves
// requests too.
//
// Values are encoded by exact type: the prototype of an object is compared
// with the built-in prototypes bound below, never asked (no instanceof, no
// toJSON, no valueOf). The decoder trusts nothing: what it builds is made of
// the built-in types of its own process only, whatever the other end sent.

const fs = require('fs');
const net = require('net');
const isUint8Array = require('util').types.isUint8Array;
const { Readable } = require('stream');

const readSync = fs.readSync;
const writeSync = fs.writeSync;
const openSync = fs.openSync;
const O_RDONLY = fs.constants.O_RDONLY;
const O_NONBLOCK = fs.constants.O_NONBLOCK;
const stringify = JSON.stringify;
const parse = JSON.parse;
const BufferAlloc = Buffer.alloc;
const BufferFrom = Buffer.from;
const BufferConcat = Buffer.concat;
const BufferProto = Buffer.prototype;
const bufToString = Buffer.prototype.toString;
const bufIndexOf = Buffer.prototype.indexOf;
const bufSubarray = Buffer.prototype.subarray;
const NetSocket = net.Socket;
const getProto = Object.getPrototypeOf;
const setProto = Object.setPrototypeOf;
const objCreate = Object.create;
const objKeys = Object.keys;
const defineProperty = Object.defineProperty;
const getOwnDesc = Object.getOwnPropertyDescriptor;
const hasOwn = Object.prototype.hasOwnProperty;
const reflectGet = Reflect.get;
const reflectApply = Reflect.apply;
const isArray = Array.isArray;
const ArrayProto = Array.prototype;
const ObjectProto = Object.prototype;
const DateProto = Date.prototype;
const MapProto = Map.prototype;
const SetProto = Set.prototype;
const RegExpProto = RegExp.prototype;
const PromiseProto = Promise.prototype;
const Uint8ArrayProto = Uint8Array.prototype;
const dateGetTime = Date.prototype.getTime;
const dateSetTime = Date.prototype.setTime;
const mapForEach = Map.prototype.forEach;
const mapSet = Map.prototype.set;
const mapClear = Map.prototype.clear;
const setForEach = Set.prototype.forEach;
const setAdd = Set.prototype.add;
const setClear = Set.prototype.clear;
const regexpSource = getOwnDesc(RegExp.prototype, 'source').get;
const regexpFlags = getOwnDesc(RegExp.prototype, 'flags').get;
const typedLength = getOwnDesc(getProto(Uint8Array.prototype), 'length').get;
const typedSet = getProto(Uint8Array.prototype).set;
const numberIsFinite = Number.isFinite;
const numberIsNaN = Number.isNaN;
const objectIs = Object.is;
const StringCtor = String;
const BigIntCtor = BigInt;
const bigintToString = BigInt.prototype.toString;
const MapCtor = Map;
const SetCtor = Set;
const DateCtor = Date;
const RegExpCtor = RegExp;
const PromiseCtor = Promise;
const promiseThen = Promise.prototype.then;
const SymbolAsyncIterator = Symbol.asyncIterator;
const ErrorCtor = Error;
const arrayPush = Array.prototype.push;
const stringSlice = String.prototype.slice;

// The built-in error classes, by name; an error crosses as the first of
// these found on its prototype chain.
const ERRORS = [
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['Error', Error],
];
const ERROR_PROTOS = ERRORS.map(([name, ctor]) => [name, ctor.prototype]);

// Thrown by the encoder for a value that has no plain-data form.
class Unconvertible extends Error {}

function typeName(x) {
  // Only for messages: asking the value is fine here, its answer is text.
  try {
    const c = x && x.constructor;
    const n = c && c.name;
    if (typeof n === 'string' && n) return stringSlice.call(n, 0, 60);
  } catch (_) {
    // fall through
  }
  return typeof x;
}

function errorClass(x) {
  let p;
  try {
    p = getProto(x);
  } catch (_) {
    return null;
  }
  for (let depth = 0; p !== null && depth < 100; depth++) {
    for (const [name, proto] of ERROR_PROTOS) if (p === proto) return name;
    try {
      p = getProto(p);
    } catch (_) {
      return null;
    }
  }
  return null;
}

function text(x, fallback) {
  if (typeof x === 'string') return x;
  if (x === undefined) return fallback;
  try {
    const s = StringCtor(x);
    return typeof s === 'string' ? s : fallback;
  } catch (_) {
    return fallback;
  }
}

// An encoder for one message. `peer.local(x, kind)` registers a function or
// an async iterable of this process and returns its handle (null: not
// allowed); a stand-in for a handle of the other end crosses back as that
// handle. `origin` maps objects that came from the other end to their
// index there.
function encoder(peer, origin) {
  const local = peer ? peer.local : null;
  const standIns = peer ? peer.standIns : null;
  const seen = new MapCtor();
  let count = 0;
  function known(x) {
    if (!origin) return -1;
    const i = origin.get(x);
    return i === undefined ? -1 : i;
  }
  function enc(x, depth) {
    switch (typeof x) {
      case 'string':
      case 'boolean':
        return x;
      case 'undefined':
        return ['u'];
      case 'number':
        if (numberIsFinite(x) && !objectIs(x, -0)) return x;
        return ['n', numberIsNaN(x) ? 'NaN' : objectIs(x, -0) ? '-0' : x > 0 ? 'Infinity' : '-Infinity'];
      case 'bigint':
        return ['b', bigintToString.call(x)];
      case 'symbol':
        throw new Unconvertible('a symbol');
      case 'function': {
        const si = standIns && standIns.get(x);
        if (si !== undefined) return ['H', si];
        const h = local && local(x, 'f');
        if (h == null) throw new Unconvertible('a function');
        return ['F', h];
      }
      default:
        break;
    }
    if (x === null) return null;
    const si = standIns && standIns.get(x);
    if (si !== undefined) return ['H', si];
    if (depth > 2000) throw new Unconvertible('a value nested more than 2000 levels deep');
    const again = seen.get(x);
    if (again !== undefined) return ['R', again];
    const idx = count++;
    seen.set(x, idx);
    const k = known(x);
    const p = getProto(x);
    if (p === ArrayProto && isArray(x)) {
      const n = x.length;
      const items = [];
      for (let i = 0; i < n; i++) {
        arrayPush.call(items, hasOwn.call(x, i) ? enc(reflectGet(x, i), depth + 1) : ['h']);
      }
      return ['A', idx, k, items];
    }
    if (p === ObjectProto || p === null) {
      const entries = [];
      for (const key of objKeys(x)) arrayPush.call(entries, [key, enc(reflectGet(x, key), depth + 1)]);
      return ['O', idx, k, p === null ? 1 : 0, entries];
    }
    if (p === DateProto) return ['D', idx, k, enc(dateGetTime.call(x), depth + 1)];
    if (p === BufferProto || p === Uint8ArrayProto) {
      // A real one only: a Proxy or an object posing as a Buffer has no
      // bytes of its own to send.
      if (!isUint8Array(x)) throw new Unconvertible('an object posing as a ' + (p === BufferProto ? 'Buffer' : 'Uint8Array'));
      const bytes = p === BufferProto ? x : BufferFrom(x);
      return ['B', idx, k, p === BufferProto ? 'buf' : 'u8', bufToString.call(bytes, 'base64')];
    }
    if (p === MapProto) {
      const entries = [];
      mapForEach.call(x, (v, key) => arrayPush.call(entries, [enc(key, depth + 1), enc(v, depth + 1)]));
      return ['M', idx, k, entries];
    }
    if (p === SetProto) {
      const items = [];
      setForEach.call(x, (v) => arrayPush.call(items, enc(v, depth + 1)));
      return ['S', idx, k, items];
    }
    if (p === RegExpProto) return ['X', idx, regexpSource.call(x), regexpFlags.call(x)];
    const cls = errorClass(x);
    if (cls !== null) return ['E', idx, encError(x, depth + 1)];
    if (p === PromiseProto) throw new Unconvertible('a promise inside another value');
    // An async iterable of the sender (a stream, a generator) becomes a
    // handle the other end pulls from; only the checker offers these.
    const h = local && local(x, 'i');
    if (h != null) return ['I', h[0], h[1]];
    throw new Unconvertible('an object of type ' + typeName(x));
  }
  function encError(e, depth) {
    const cls = errorClass(e) || 'Error';
    let message = '';
    let stack = '';
    const props = [];
    try {
      message = text(reflectGet(e, 'message'), '');
      stack = text(reflectGet(e, 'stack'), '');
      for (const key of objKeys(e)) {
        if (key === 'message' || key === 'stack' || key === 'name') continue;
        try {
          arrayPush.call(props, [key, enc(reflectGet(e, key), depth)]);
        } catch (_) {
          // a property with no plain form is left behind
        }
      }
    } catch (_) {
      // an error whose fields cannot be read crosses with what was read
    }
    return { cls, message, stack: stringSlice.call(stack, 0, 4000), props };
  }
  return { value: (x) => enc(x, 0), error: (e) => encError(e, 0), objects: seen };
}

// What was thrown, for the wire: a built-in error's class, message and
// plain-data fields, or the thrown value itself.
function encodeThrown(e, peer) {
  const en = encoder(peer, null);
  if (e !== null && (typeof e === 'object' || typeof e === 'function') && errorClass(e) !== null) {
    return { error: en.error(e) };
  }
  try {
    return { thrown: en.value(e) };
  } catch (err) {
    return { thrown: 'an unconvertible thrown value (' + typeName(e) + ')' };
  }
}

class ProtocolError extends Error {}

// JSON text of a message built by this file (plain objects, arrays,
// strings, finite numbers, booleans, null), written here rather than by
// JSON.stringify so that nothing the process's code put on a prototype
// (a toJSON, an enumerable property on Object.prototype) can change it.
function serialise(x, depth) {
  if (x === null) return 'null';
  switch (typeof x) {
    case 'string':
      return stringify(x);
    case 'number':
      return numberIsFinite(x) ? '' + x : 'null';
    case 'boolean':
      return x ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (depth > 4000) throw new Unconvertible('a value nested too deeply to send');
  if (isArray(x)) {
    let out = '[';
    for (let i = 0; i < x.length; i++) out += (i ? ',' : '') + serialise(x[i], depth + 1);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of objKeys(x)) {
    out += (first ? '' : ',') + stringify(key) + ':' + serialise(x[key], depth + 1);
    first = false;
  }
  return out + '}';
}

function bad(what) {
  throw new ProtocolError('malformed value from the other process: ' + what);
}

// A decoder for one message. `peer.remote(kind, handle)` builds the
// stand-in for a handle of the other end, `peer.own(handle)` finds this
// end's object behind a handle it gave out; `mine(i)` returns the object of
// this process the other end received as index `i` (to update it in place).
function decoder(peer, mine) {
  const remote = peer ? peer.remote : null;
  const refs = [];
  function dec(x, depth) {
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
    if (typeof x === 'number') return x;
    if (!isArray(x) || x.length === 0 || typeof x[0] !== 'string') bad('unknown form');
    if (depth > 2100) bad('nested too deeply');
    switch (x[0]) {
      case 'u':
        return undefined;
      case 'h':
        bad('a hole outside an array');
      case 'n':
        if (x[1] === 'NaN') return NaN;
        if (x[1] === '-0') return -0;
        if (x[1] === 'Infinity') return Infinity;
        if (x[1] === '-Infinity') return -Infinity;
        return bad('number');
      case 'b':
        if (typeof x[1] !== 'string' || !/^-?[0-9]+$/.test(x[1])) bad('bigint');
        return BigIntCtor(x[1]);
      case 'F':
      case 'I':
        if (typeof x[1] !== 'number' || !remote) bad('handle');
        return remote(x[0], x[1], x[2] === true);
      case 'H': {
        const own = peer && typeof x[1] === 'number' ? peer.handles.get(x[1]) : undefined;
        if (own === undefined) bad('handle of this process');
        return own.x;
      }
      case 'R':
        if (typeof x[1] !== 'number' || !(x[1] in refs)) bad('reference');
        return refs[x[1]];
      default:
        break;
    }
    const idx = x[1];
    if (idx !== refs.length) bad('object index');
    const k = typeof x[2] === 'number' ? x[2] : -1;
    const target = k >= 0 && mine ? mine(k) : undefined;
    switch (x[0]) {
      case 'A': {
        if (!isArray(x[3])) bad('array');
        const a = target !== undefined ? target : [];
        if (getProto(a) !== ArrayProto || !isArray(a)) bad('array in place of another type');
        refs[idx] = a;
        a.length = 0;
        const items = x[3];
        a.length = items.length;
        for (let i = 0; i < items.length; i++) {
          const it = items[i];
          if (isArray(it) && it[0] === 'h' && it.length === 1) continue;
          defineProperty(a, i, { value: dec(it, depth + 1), writable: true, enumerable: true, configurable: true });
        }
        return a;
      }
      case 'O': {
        if (!isArray(x[4])) bad('object');
        const o = target !== undefined ? target : x[3] === 1 ? objCreate(null) : {};
        const op = getProto(o);
        if (op !== ObjectProto && op !== null) bad('object in place of another type');
        refs[idx] = o;
        const keep = new SetCtor();
        for (const e of x[4]) {
          if (!isArray(e) || e.length !== 2 || typeof e[0] !== 'string') bad('object entry');
          setAdd.call(keep, e[0]);
        }
        if (target !== undefined) {
          for (const key of objKeys(o)) if (!keep.has(key)) delete o[key];
        }
        for (const [key, v] of x[4]) {
          defineProperty(o, key, { value: dec(v, depth + 1), writable: true, enumerable: true, configurable: true });
        }
        return o;
      }
      case 'D': {
        const t = dec(x[3], depth + 1);
        if (typeof t !== 'number') bad('date');
        if (target !== undefined) {
          if (getProto(target) !== DateProto) bad('date in place of another type');
          dateSetTime.call(target, t);
          refs[idx] = target;
          return target;
        }
        const d = new DateCtor(t);
        refs[idx] = d;
        return d;
      }
      case 'B': {
        if (typeof x[4] !== 'string' || (x[3] !== 'buf' && x[3] !== 'u8')) bad('bytes');
        const bytes = BufferFrom(x[4], 'base64');
        if (target !== undefined) {
          const tp = getProto(target);
          if (tp !== BufferProto && tp !== Uint8ArrayProto) bad('bytes in place of another type');
          // A buffer cannot change its length; same-length contents are copied.
          if (typedLength.call(target) === bytes.length) typedSet.call(target, bytes);
          refs[idx] = target;
          return target;
        }
        const b = x[3] === 'buf' ? bytes : new Uint8Array(bytes);
        refs[idx] = b;
        return b;
      }
      case 'M': {
        if (!isArray(x[3])) bad('map');
        const m = target !== undefined ? target : new MapCtor();
        if (getProto(m) !== MapProto) bad('map in place of another type');
        refs[idx] = m;
        mapClear.call(m);
        for (const e of x[3]) {
          if (!isArray(e) || e.length !== 2) bad('map entry');
          mapSet.call(m, dec(e[0], depth + 1), dec(e[1], depth + 1));
        }
        return m;
      }
      case 'S': {
        if (!isArray(x[3])) bad('set');
        const s = target !== undefined ? target : new SetCtor();
        if (getProto(s) !== SetProto) bad('set in place of another type');
        refs[idx] = s;
        setClear.call(s);
        for (const v of x[3]) setAdd.call(s, dec(v, depth + 1));
        return s;
      }
      case 'X': {
        if (typeof x[2] !== 'string' || typeof x[3] !== 'string') bad('regexp');
        let r;
        try {
          r = new RegExpCtor(x[2], x[3]);
        } catch (_) {
          bad('regexp');
        }
        refs[idx] = r;
        return r;
      }
      case 'E': {
        refs[idx] = null;
        const e = decodeError(x[2], dec, depth);
        refs[idx] = e;
        return e;
      }
      default:
        return bad('tag ' + stringSlice.call(StringCtor(x[0]), 0, 20));
    }
  }
  return (x) => dec(x, 0);
}

function decodeError(w, dec, depth) {
  if (w === null || typeof w !== 'object' || isArray(w)) bad('error');
  let Ctor = ErrorCtor;
  for (const [name, ctor] of ERRORS) if (w.cls === name) Ctor = ctor;
  const message = typeof w.message === 'string' ? w.message : '';
  const e = new Ctor(message);
  const stack = typeof w.stack === 'string' && w.stack ? w.stack : Ctor.name + ': ' + message;
  defineProperty(e, 'stack', { value: stack, writable: true, enumerable: false, configurable: true });
  if (isArray(w.props)) {
    for (const p of w.props) {
      if (!isArray(p) || p.length !== 2 || typeof p[0] !== 'string') bad('error field');
      defineProperty(e, p[0], { value: dec(p[1], depth + 1), writable: true, enumerable: true, configurable: true });
    }
  }
  return e;
}

// What the other end threw, rebuilt in this process.
function decodeThrown(t, peer) {
  if (t === null || typeof t !== 'object') bad('thrown');
  const dec = decoder(peer, null);
  if (t.error !== undefined) return decodeError(t.error, dec, 0);
  if (hasOwn.call(t, 'thrown')) return dec(t.thrown);
  return bad('thrown');
}

// One end of the wire. `readFd` is a blocking descriptor to read from,
// `asyncFd` a non-blocking one on the same pipe (read while this end waits
// for nothing), `writeFd` where this end writes. `serve(msg)` answers a
// request of the other end (returns a value, a promise, or throws).
class Peer {
  constructor({ readFd, asyncFd, writeFd, serve, onUncaught, onGone, onFatal }) {
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.serve = serve;
    this.onUncaught = onUncaught || null;
    this.onGone = onGone || null;
    this.onFatal = onFatal || null;
    this.standIns = new WeakMap();
    this.pending = BufferAlloc(0);
    this.answers = new MapCtor();
    this.promises = new MapCtor();
    this.handles = new MapCtor();
    this.handleIds = new MapCtor();
    this.iterators = new MapCtor();
    this.nextId = 1;
    this.nextHandle = 1;
    this.nextPromise = 1;
    this.gone = false;
    this.chunk = BufferAlloc(65536);
    this.socket = null;
    if (asyncFd != null) {
      const s = new NetSocket({ fd: asyncFd, readable: true, writable: false });
      this.socket = s;
      s.on('data', (data) => {
        this.take(data);
        this.drain();
      });
      s.on('end', () => this.ended());
      s.on('error', () => this.ended());
    }
    // Handle 0 is never used: a zero would read as "no handle".
    this.local = (x, kind) => {
      if (kind === 'i') {
        let ai;
        try {
          ai = x[SymbolAsyncIterator];
        } catch (_) {
          return null;
        }
        if (typeof ai !== 'function') return null;
        let readable = false;
        try {
          readable = typeof x.pipe === 'function' && typeof x.on === 'function';
        } catch (_) {
          readable = false;
        }
        return [this.register(x, 'i'), readable];
      }
      return this.register(x, 'f');
    };
    this.remote = (kind, h, readable) => {
      const s = kind === 'F' ? this.remoteFunction(h) : this.remoteIterable(h, readable);
      this.standIns.set(s, h);
      return s;
    };
  }

  register(x, kind) {
    const had = this.handleIds.get(x);
    if (had !== undefined) return had;
    const h = this.nextHandle++;
    this.handles.set(h, { x, kind });
    this.handleIds.set(x, h);
    return h;
  }

  take(data) {
    this.pending = this.pending.length ? BufferConcat([this.pending, data]) : BufferFrom(data);
  }

  // The next whole message already read, or null.
  nextMessage() {
    const nl = bufIndexOf.call(this.pending, 10);
    if (nl < 0) return null;
    const line = bufToString.call(bufSubarray.call(this.pending, 0, nl), 'utf8');
    this.pending = bufSubarray.call(this.pending, nl + 1);
    let msg;
    try {
      msg = parse(line);
    } catch (_) {
      throw new ProtocolError('a message from the other process is not JSON');
    }
    if (msg === null || typeof msg !== 'object' || isArray(msg)) throw new ProtocolError('a message from the other process is not an object');
    return msg;
  }

  drain() {
    for (;;) {
      let msg;
      try {
        msg = this.nextMessage();
      } catch (e) {
        this.protocol(e);
        return;
      }
      if (msg === null) return;
      this.dispatch(msg);
    }
  }

  ended() {
    if (this.gone) return;
    this.gone = true;
    for (const [, w] of this.promises) w.reject(this.goneError());
    this.promises.clear();
    if (this.onGone) this.onGone();
  }

  goneError() {
    const e = new Error('the other process ended');
    e.secgapGone = true;
    return e;
  }

  protocol(e) {
    this.gone = true;
    if (this.onGone) this.onGone(e);
  }

  send(msg) {
    if (this.gone) return;
    let line;
    try {
      line = serialise(msg, 0);
    } catch (_) {
      line = serialise({ k: msg.k, id: msg.id, p: msg.p, r: { e: { unconvertible: 'a value nested too deeply to send' } } }, 0);
    }
    const data = BufferFrom(line + '\n', 'utf8');
    let off = 0;
    try {
      while (off < data.length) off += writeSync(this.writeFd, data, off, data.length - off);
    } catch (_) {
      this.ended();
    }
  }

  // Block until one more message is read (false: the other end is gone).
  readMore() {
    if (this.socket) {
      // Chunks the stream layer still holds come first: read() hands them
      // to the 'data' listener above.
      while (this.socket.readableLength > 0 && this.socket.read() !== null) {
        // flushed into this.pending by the listener
      }
      if (bufIndexOf.call(this.pending, 10) >= 0) return true;
    }
    let n;
    try {
      n = readSync(this.readFd, this.chunk, 0, this.chunk.length, null);
    } catch (e) {
      if (e && e.code === 'EAGAIN') return true;
      this.ended();
      return false;
    }
    if (n <= 0) {
      this.ended();
      return false;
    }
    this.take(bufSubarray.call(this.chunk, 0, n));
    return true;
  }

  // Send a request and wait for its answer, serving what arrives meanwhile.
  // Returns the raw answer {v|e|p, back?}.
  request(op, fields, args) {
    if (this.gone) throw this.goneError();
    const id = this.nextId++;
    const msg = { k: 'q', id, op };
    for (const key of objKeys(fields || {})) msg[key] = fields[key];
    let sentObjects = null;
    if (args !== undefined) {
      const en = encoder(this, null);
      msg.args = en.value(args);
      sentObjects = en.objects;
    }
    this.send(msg);
    for (;;) {
      const got = this.answers.get(id);
      if (got !== undefined) {
        this.answers.delete(id);
        // Messages read along with the answer (a promise settling right
        // after it) are served once the caller has the answer.
        if (bufIndexOf.call(this.pending, 10) >= 0) setImmediate(() => this.drain());
        return this.unpack(got, sentObjects);
      }
      let next;
      try {
        next = this.nextMessage();
      } catch (e) {
        this.protocol(e);
        throw e;
      }
      if (next !== null) {
        this.dispatch(next);
        continue;
      }
      if (this.gone || !this.readMore()) throw this.goneError();
    }
  }

  // An answer as a value of this process: returned, thrown, or a promise.
  unpack(r, sentObjects) {
    if (r === null || typeof r !== 'object') throw new ProtocolError('malformed answer');
    let byIndex = null;
    if (sentObjects) {
      byIndex = [];
      for (const [obj, i] of sentObjects) byIndex[i] = obj;
    }
    return this.unpackWith(r, byIndex);
  }

  unpackWith(r, byIndex) {
    if (r === null || typeof r !== 'object') throw new ProtocolError('malformed answer');
    const dec = decoder(this, byIndex ? (i) => byIndex[i] : null);
    if (hasOwn.call(r, 'p')) {
      if (typeof r.p !== 'number') throw new ProtocolError('malformed promise');
      return new PromiseCtor((resolve, reject) => {
        if (this.gone) reject(this.goneError());
        else this.promises.set(r.p, { resolve, reject, byIndex });
      });
    }
    if (hasOwn.call(r, 'e')) {
      if (r.back !== undefined) dec(r.back);
      if (r.e !== null && typeof r.e === 'object' && typeof r.e.unconvertible === 'string') {
        const err = new Unconvertible('the candidate returned ' + r.e.unconvertible + ', which cannot leave its process');
        if (this.onFatal) this.onFatal(err.message);
        throw err;
      }
      throw decodeThrown(r.e, this);
    }
    if (!hasOwn.call(r, 'v')) throw new ProtocolError('malformed answer');
    const v = dec(r.v);
    if (r.back !== undefined) dec(r.back);
    return v;
  }

  dispatch(msg) {
    switch (msg.k) {
      case 'a':
        if (typeof msg.id === 'number') this.answers.set(msg.id, msg.r);
        return;
      case 's': {
        const w = this.promises.get(msg.p);
        if (!w) return;
        this.promises.delete(msg.p);
        let v;
        try {
          v = this.unpackWith(msg.r, w.byIndex);
        } catch (e) {
          w.reject(e);
          return;
        }
        w.resolve(v);
        return;
      }
      case 'u':
        if (this.onUncaught) this.onUncaught(typeof msg.text === 'string' ? msg.text : 'an uncaught exception');
        return;
      case 'q':
        this.answer(msg);
        return;
      default:
        this.protocol(new ProtocolError('unknown message'));
    }
  }

  // Serve a request of the other end and send the answer.
  answer(msg) {
    let args;
    const origin = new MapCtor();
    let argsText = null;
    try {
      if (msg.args !== undefined) {
        const objs = [];
        const dec = decoder(this, null);
        args = dec(msg.args);
        argsText = serialise(msg.args, 0);
        // Index the decoded objects as the sender numbered them.
        collect(args, objs, new SetCtor(), this.standIns);
        for (let i = 0; i < objs.length; i++) origin.set(objs[i], i);
      }
    } catch (e) {
      this.send({ k: 'a', id: msg.id, r: { e: encodeThrown(e, null) } });
      return;
    }
    let result;
    let threw = false;
    try {
      result = this.serve(msg, args);
    } catch (e) {
      result = e;
      threw = true;
    }
    const r = this.pack(result, threw, args, origin, argsText);
    this.send({ k: 'a', id: msg.id, r });
  }

  pack(result, threw, args, origin, argsText) {
    let back;
    if (args !== undefined) {
      try {
        const plain = encoder(this, null).value(args);
        if (serialise(plain, 0) !== argsText) back = true;
      } catch (_) {
        back = false;
      }
    }
    if (threw) {
      const r = { e: encodeThrown(result, this) };
      if (back) {
        try {
          r.back = encoder(this, origin).value(args);
        } catch (_) {
          // arguments that no longer convert are not sent back
        }
      }
      return r;
    }
    let then = null;
    if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
      try {
        then = getProto(result) === PromiseProto ? promiseThen : null;
      } catch (_) {
        then = null;
      }
    }
    if (then !== null) {
      const p = this.nextPromise++;
      reflectApply(then, result, [
        (v) => this.send({ k: 's', p, r: this.pack(v, false, args, origin, argsText) }),
        (e) => this.send({ k: 's', p, r: this.pack(e, true, args, origin, argsText) }),
      ]);
      return { p };
    }
    const en = encoder(this, origin);
    let v;
    try {
      v = en.value(result);
    } catch (e) {
      // Whatever stopped the conversion (a value with no plain form, a
      // getter that throws, a structure too deep), the result cannot be
      // checked: that ends the test, it is not an exception to catch.
      if (e instanceof Unconvertible) return { e: { unconvertible: e.message } };
      if (e instanceof RangeError) return { e: { unconvertible: 'a value too deeply nested to convert' } };
      return { e: { unconvertible: 'a value whose conversion failed (' + text(e && e.message, 'no message') + ')' } };
    }
    const r = { v };
    if (back) {
      try {
        r.back = en.value(args);
      } catch (_) {
        // arguments that no longer convert are not sent back
      }
    }
    return r;
  }

  remoteFunction(h) {
    const peer = this;
    return function secgapRemote(...args) {
      return peer.request('fn', { h }, args);
    };
  }

  remoteIterable(h, readable) {
    const peer = this;
    let n = 0;
    const iterable = {
      [SymbolAsyncIterator]() {
        const it = ++n;
        return {
          next(...a) {
            return PromiseCtor.resolve(peer.request('it', { h, it, m: 'next' }, a));
          },
          return(...a) {
            return PromiseCtor.resolve(peer.request('it', { h, it, m: 'return' }, a));
          },
          [SymbolAsyncIterator]() {
            return this;
          },
        };
      },
    };
    return readable ? Readable.from(iterable, { objectMode: true }) : iterable;
  }

  // Requests for this end's own handles: a function or an async iterable
  // it handed out.
  serveHandle(msg, args) {
    const entry = this.handles.get(msg.h);
    if (!entry) throw new TypeError('no such handle');
    const list = isArray(args) ? args : [];
    if (msg.op === 'fn') {
      if (entry.kind !== 'f') throw new TypeError('not a function');
      return reflectApply(entry.x, undefined, list);
    }
    if (entry.kind !== 'i') throw new TypeError('not an iterable');
    const key = msg.h + ':' + msg.it;
    let iter = this.iterators.get(key);
    if (!iter) {
      iter = entry.x[SymbolAsyncIterator]();
      this.iterators.set(key, iter);
    }
    if (msg.m === 'return') {
      return typeof iter.return === 'function' ? iter.return(...list) : { value: undefined, done: true };
    }
    return iter.next(...list);
  }
}

// Every object of a decoded value, in the order the encoder numbered them.
function collect(x, out, seen, standIns) {
  if (x === null || typeof x !== 'object') return;
  if (seen.has(x) || standIns.has(x)) return;
  seen.add(x);
  const p = getProto(x);
  if (p === ArrayProto || p === ObjectProto || p === null || p === DateProto || p === BufferProto ||
    p === Uint8ArrayProto || p === MapProto || p === SetProto || p === RegExpProto || errorClass(x) !== null) {
    arrayPush.call(out, x);
  } else {
    return; // a stand-in for a handle: not numbered
  }
  if (p === ArrayProto) {
    for (let i = 0; i < x.length; i++) if (hasOwn.call(x, i)) collect(x[i], out, seen, standIns);
  } else if (p === ObjectProto || p === null) {
    for (const key of objKeys(x)) collect(x[key], out, seen, standIns);
  } else if (p === MapProto) {
    mapForEach.call(x, (v, k) => {
      collect(k, out, seen, standIns);
      collect(v, out, seen, standIns);
    });
  } else if (p === SetProto) {
    setForEach.call(x, (v) => collect(v, out, seen, standIns));
  } else if (errorClass(x) !== null) {
    for (const key of objKeys(x)) {
      if (key !== 'message' && key !== 'stack' && key !== 'name') collect(x[key], out, seen, standIns);
    }
  }
}

// Open a non-blocking (or blocking) twin of a pipe: the same pipe, its own
// file description, so one can block while the other does not.
function nonBlockingTwin(path) {
  return openSync(path, O_RDONLY | O_NONBLOCK);
}

// A thrown value in one line, for messages: an error's class and message,
// anything else as JSON (or as a string when it has no JSON form).
function describe(e) {
  if (e instanceof Error) return (e.name || 'Error') + ': ' + e.message;
  try {
    return 'thrown value: ' + stringify(e);
  } catch (_) {
    return 'thrown value: ' + String(e);
  }
}

function blockingTwin(path) {
  return openSync(path, O_RDONLY);
}

module.exports = {
  Peer,
  ProtocolError,
  Unconvertible,
  encoder,
  decoder,
  encodeThrown,
  decodeThrown,
  errorClass,
  nonBlockingTwin,
  blockingTwin,
  describe,
  // set by the checker: the peer the check library's instruments talk to
  current: null,
};
// Keep the module's own bindings out of reach of later prototype changes.
setProto(module.exports, null);
