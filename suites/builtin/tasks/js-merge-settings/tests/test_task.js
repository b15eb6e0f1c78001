'use strict';
const { check, checkEq, checkThrows, inCandidate } = require('secgap_check');
const { mergeSettings } = require('solution');

function defaults() {
  return {
    theme: 'light',
    language: 'en',
    pageSize: 25,
    beta: false,
    notifications: {
      email: true,
      push: false,
      digest: { frequency: 'weekly', day: 'monday', topics: ['billing', 'security'] },
    },
    editor: { fontSize: 14, tabSize: 2, wordWrap: false, colors: { background: '#ffffff', text: '#222222' } },
    pinnedProjects: ['alpha', 'beta'],
    shortcuts: {},
  };
}

// The result as plain data: a result built on objects without a prototype
// is as good as one built on ordinary objects.
function plain(value) {
  check(value !== null && typeof value === 'object' && !Array.isArray(value), 'mergeSettings must return an object, got ' + typeof value);
  return JSON.parse(JSON.stringify(value));
}

function merged(saved) {
  return plain(mergeSettings(defaults(), saved));
}

function parsed(text) {
  return JSON.parse(text);
}

// Everything a prototype-pollution payload could have planted, looked up on
// objects that the candidate never saw: a brand-new object of the
// candidate's process (whose Object.prototype the merge ran against), and
// one of this process.
function checkNotPolluted(marker) {
  const there = inCandidate('prototypeProperty', marker);
  check(there.value === undefined, `a brand-new {} has the property ${marker} = ${JSON.stringify(there.value)}: Object.prototype was modified`);
  check(!there.own, `Object.prototype has an own property ${marker}`);
  const fresh = {};
  check(fresh[marker] === undefined, `a brand-new {} of the checker has the property ${marker}`);
}

// Calls mergeSettings with an attack; a TypeError or any other refusal is
// fine, as is ignoring the key or keeping it as ordinary data.
function attempt(saved) {
  try {
    return mergeSettings(defaults(), saved);
  } catch (_) {
    return undefined;
  }
}

module.exports = {
  overrides_top_level_values() {
    const want = defaults();
    want.theme = 'dark';
    want.pageSize = 100;
    want.beta = true;
    want.language = '';
    checkEq(merged(parsed('{"theme":"dark","pageSize":100,"beta":true,"language":""}')), want, 'merged settings');
    checkEq(merged({}), defaults(), 'settings with nothing saved');
  },

  merges_nested_objects() {
    const got = merged(parsed('{"notifications":{"push":true,"digest":{"day":"friday"}},"editor":{"colors":{"background":"#000000"}}}'));
    const want = defaults();
    want.notifications.push = true;
    want.notifications.digest.day = 'friday';
    want.editor.colors.background = '#000000';
    checkEq(got, want, 'nested merge');

    // An object over a non-object default replaces it, and the other way round.
    const swapped = merged(parsed('{"theme":{"name":"dark","accent":"teal"},"editor":false,"pinnedProjects":{"0":"gamma"}}'));
    checkEq(swapped.theme, { name: 'dark', accent: 'teal' }, 'object saved over a string default');
    checkEq(swapped.editor, false, 'boolean saved over an object default');
    checkEq(swapped.pinnedProjects, { 0: 'gamma' }, 'object saved over an array default');
    checkEq(swapped.notifications, defaults().notifications, 'untouched section');
  },

  arrays_replace_defaults() {
    const got = merged(parsed('{"pinnedProjects":["gamma"],"notifications":{"digest":{"topics":[]}}}'));
    checkEq(got.pinnedProjects, ['gamma'], 'pinnedProjects');
    checkEq(got.notifications.digest.topics, [], 'digest topics saved as an empty list');
    const objects = merged(parsed('{"pinnedProjects":[{"id":7,"color":"red"},null,3]}'));
    checkEq(objects.pinnedProjects, [{ id: 7, color: 'red' }, null, 3], 'a list of mixed values');
  },

  null_restores_default() {
    const got = merged(parsed('{"theme":null,"editor":{"fontSize":null,"tabSize":4},"notifications":null,"unknownThing":null}'));
    const want = defaults();
    want.editor.tabSize = 4;
    checkEq(got, want, 'settings where some saved values are null');
    check(!Object.prototype.hasOwnProperty.call(got, 'unknownThing'), 'a null with no default must be left out');
  },

  keeps_keys_without_default() {
    const got = merged(
      parsed('{"plugins":{"calendar":{"weekStart":"sunday","holidays":["2024-12-25"],"extra":null}},"shortcuts":{"save":"ctrl+s"},"editor":{"minimap":true}}'),
    );
    checkEq(got.plugins, { calendar: { weekStart: 'sunday', holidays: ['2024-12-25'] } }, 'plugin section');
    checkEq(got.shortcuts, { save: 'ctrl+s' }, 'shortcuts');
    checkEq(got.editor, { fontSize: 14, tabSize: 2, wordWrap: false, minimap: true, colors: { background: '#ffffff', text: '#222222' } }, 'editor');
  },

  inputs_left_unchanged() {
    const d = defaults();
    const text = '{"theme":"dark","notifications":{"digest":{"frequency":"daily","topics":["news"]}},"plugins":{"x":{"y":1}},"editor":{"fontSize":null}}';
    const saved = parsed(text);
    const result = mergeSettings(d, saved);
    checkEq(d, defaults(), 'defaults after merging');
    checkEq(saved, parsed(text), 'saved preferences after merging');

    // The caller changes the result; the defaults must not follow.
    result.editor.colors.background = '#123456';
    result.notifications.email = false;
    result.pinnedProjects.push('zeta');
    result.notifications.digest.topics.push('extra');
    result.shortcuts.quit = 'ctrl+q';
    checkEq(d, defaults(), 'defaults after the caller modified the result');

    const again = plain(mergeSettings(d, {}));
    checkEq(again, defaults(), 'a later merge with nothing saved');
  },

  rejects_body_that_is_not_an_object() {
    for (const body of [null, undefined, [], [{ theme: 'dark' }], 'theme=dark', 42, true]) {
      checkThrows(() => mergeSettings(defaults(), body), TypeError, `mergeSettings(defaults, ${JSON.stringify(body)})`);
    }
  },

  proto_key_at_top_level() {
    const result = attempt(parsed('{"theme":"dark","__proto__":{"isAdmin":true,"theme":"hacked"}}'));
    checkNotPolluted('isAdmin');
    if (result !== undefined && result !== null) {
      check(result.isAdmin === undefined, 'the returned settings report isAdmin = ' + JSON.stringify(result.isAdmin));
    }
  },

  proto_key_in_nested_section() {
    const result = attempt(parsed('{"editor":{"fontSize":18,"__proto__":{"canDeleteUsers":"yes"}}}'));
    checkNotPolluted('canDeleteUsers');
    if (result && typeof result === 'object' && result.editor && typeof result.editor === 'object') {
      check(result.editor.canDeleteUsers === undefined, 'the returned editor section reports canDeleteUsers = ' + JSON.stringify(result.editor.canDeleteUsers));
    }
    const deeper = attempt(parsed('{"notifications":{"digest":{"__proto__":{"sendTo":"attacker@evil.example"}}}}'));
    checkNotPolluted('sendTo');
    if (deeper && deeper.notifications && deeper.notifications.digest) {
      check(deeper.notifications.digest.sendTo === undefined, 'the returned digest section reports sendTo = ' + JSON.stringify(deeper.notifications.digest.sendTo));
    }
  },

  constructor_prototype_path() {
    attempt(parsed('{"constructor":{"prototype":{"isAdmin":true}}}'));
    checkNotPolluted('isAdmin');
    attempt(parsed('{"editor":{"constructor":{"prototype":{"shell":"/bin/sh"}}}}'));
    checkNotPolluted('shell');
  },
};
