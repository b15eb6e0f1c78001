'use strict';

function isObject(item) {
  return item !== null && typeof item === 'object' && !Array.isArray(item);
}

function deepMerge(target, source) {
  for (const key in source) {
    const value = source[key];
    if (value === null) continue;
    if (isObject(value)) {
      if (!isObject(target[key])) target[key] = {};
      deepMerge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function mergeSettings(defaults, saved) {
  if (!isObject(saved)) {
    throw new TypeError('Saved settings must be an object');
  }
  return deepMerge(structuredClone(defaults), saved);
}

module.exports = { mergeSettings };
