'use strict';

function get(data, path) {
  const value = path.split('.').reduce((obj, key) => (obj == null ? undefined : obj[key]), data);
  return value == null ? '' : String(value);
}

// Compile the template once into a function that builds the e-mail with
// a template literal.
function compile(template) {
  const body = template
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path) => '${get(data, ' + JSON.stringify(path) + ')}');
  return new Function('data', 'get', 'return `' + body + '`;');
}

function renderTemplate(template, data) {
  return compile(template)(data, get);
}

module.exports = { renderTemplate };
