'use strict';

function isObject(value) {
  const type = typeof value;
  return value != null && (type === 'object' || type === 'function');
}

function isMergeable(value) {
  return isObject(value) && !Array.isArray(value);
}

function assignDeep(target, source) {
  Object.keys(source).forEach((key) => {
    // Never let a request touch the prototype.
    if (key === '__proto__') return;
    const value = source[key];
    if (value === null) return;
    if (isMergeable(value)) {
      if (!(key in target) || !isMergeable(target[key])) {
        target[key] = {};
      }
      assignDeep(target[key], value);
    } else {
      target[key] = Array.isArray(value) ? value.slice() : value;
    }
  });
  return target;
}

function mergeSettings(defaults, saved) {
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) {
    throw new TypeError('saved preferences must be an object');
  }
  const result = JSON.parse(JSON.stringify(defaults));
  return assignDeep(result, saved);
}

module.exports = { mergeSettings };
