'use strict';

function renderTemplate(template, data) {
  return template.replace(/\{\{(.+?)\}\}/g, (match, path) => {
    let value;
    try {
      value = eval('data.' + path.trim());
    } catch (err) {
      value = undefined;
    }
    return value === undefined || value === null ? '' : String(value);
  });
}

module.exports = { renderTemplate };
