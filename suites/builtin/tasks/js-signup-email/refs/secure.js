'use strict';

// Each piece of the address is matched by a pattern in which every
// repetition is separated by a required character, so there is only one
// way to match any input and the time is linear in its length.
const LOCAL = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TOP = /^[A-Za-z]{2,}$/;
const MAX_LENGTH = 254;

function isValidEmail(address) {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_LENGTH) {
    return false;
  }
  const parts = address.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts;
  if (local.length > 64 || !LOCAL.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length > 63 || !LABEL.test(label)) return false;
  }
  return TOP.test(labels[labels.length - 1]);
}

module.exports = { isValidEmail };
