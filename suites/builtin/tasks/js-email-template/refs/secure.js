'use strict';

const PLACEHOLDER = /\{\{ *([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*) *\}\}/g;

// Follows the path through the data's own properties only, so a template
// can reach the order's fields and nothing the objects inherit.
function lookup(data, dotted) {
  let value = data;
  for (const name of dotted.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, name)) {
      return undefined;
    }
    value = value[name];
  }
  return value;
}

function renderTemplate(template, data) {
  if (typeof template !== 'string') throw new TypeError('template must be a string');
  return template.replace(PLACEHOLDER, (_, dotted) => {
    const value = lookup(data, dotted);
    return value === null || value === undefined ? '' : String(value);
  });
}

module.exports = { renderTemplate };
