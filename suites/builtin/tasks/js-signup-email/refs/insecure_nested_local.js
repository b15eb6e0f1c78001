'use strict';

const EMAIL = /^([a-z0-9]+[._-]?)*[a-z0-9]+@([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$/i;

function isValidEmail(address) {
  return typeof address === 'string' && EMAIL.test(address);
}

module.exports = { isValidEmail };
