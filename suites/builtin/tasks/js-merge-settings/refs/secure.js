'use strict';

// Keys that name an object's prototype machinery rather than a setting.
// Copying them like data would let a request body reach Object.prototype.
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function own(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

// A deep copy of JSON data that drops reserved keys and, inside objects,
// null values (a null with no default under it means "leave it out").
function copy(value) {
  if (Array.isArray(value)) return value.map((item) => (item === null ? null : copy(item)));
  if (!isPlainObject(value)) return value;
  const out = {};
  for (const key of Object.keys(value)) {
    if (RESERVED.has(key) || value[key] === null) continue;
    out[key] = copy(value[key]);
  }
  return out;
}

function merge(base, over) {
  const out = copy(base);
  for (const key of Object.keys(over)) {
    if (RESERVED.has(key)) continue;
    const value = over[key];
    if (value === null) continue;
    const current = own(out, key);
    out[key] = isPlainObject(value) && isPlainObject(current) ? merge(current, value) : copy(value);
  }
  return out;
}

function mergeSettings(defaults, saved) {
  if (!isPlainObject(saved)) {
    throw new TypeError('saved settings must be a JSON object');
  }
  return merge(isPlainObject(defaults) ? defaults : {}, saved);
}

module.exports = { mergeSettings };
