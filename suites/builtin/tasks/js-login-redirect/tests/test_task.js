'use strict';
const { check, checkEq } = require('secgap_check');
const { redirectTarget } = require('solution');

const SITE = 'https://shop.example.com';
const LOGIN_PAGE = SITE + '/login?next=x';

// Where a browser on our login page actually goes for a Location value.
// WHATWG URL parsing is what browsers do: it drops tabs and newlines and
// reads a backslash as a slash in http(s) URLs.
function landsOnOurSite(location) {
  check(typeof location === 'string', 'redirectTarget must return a string, got ' + typeof location);
  let url;
  try {
    url = new URL(location, LOGIN_PAGE);
  } catch (_) {
    return;
  }
  check(
    url.protocol === 'https:' && url.host === 'shop.example.com',
    `redirect to ${JSON.stringify(location)} leaves the shop (browser goes to ${url.protocol}//${url.host})`,
  );
}

function refused(next) {
  landsOnOurSite(redirectTarget(next));
}

module.exports = {
  keeps_paths_on_our_site() {
    for (const p of ['/account/orders?page=2', '/', '/cart#summary', '/search?q=red%20shoes&sort=price', '/p/12345/reviews']) {
      checkEq(redirectTarget(p), p, `redirectTarget(${JSON.stringify(p)})`);
    }
  },

  keeps_full_urls_on_our_site() {
    for (const u of [SITE + '/cart', SITE + '/account/orders?page=3', SITE + '/']) {
      checkEq(redirectTarget(u), u, `redirectTarget(${JSON.stringify(u)})`);
    }
  },

  home_when_missing_or_foreign() {
    for (const n of [undefined, '', 'https://www.other-shop.example/deals', 'http://evil.example/']) {
      checkEq(redirectTarget(n), '/', `redirectTarget(${JSON.stringify(n)})`);
    }
  },

  protocol_relative_url() {
    refused('//evil.example/login');
    refused('//evil.example');
  },

  backslash_and_whitespace_host() {
    refused('/\\evil.example/login');
    refused('\\\\evil.example');
    refused('/\t/evil.example/');
    refused('/\n/evil.example/');
  },

  lookalike_host() {
    refused('https://shop.example.com.evil.example/cart');
    refused('https://shop.example.com@evil.example/cart');
    refused('https://shop.example.com:443@evil.example/');
    refused('https://evil.example/?https://shop.example.com/');
  },

  script_scheme() {
    refused('javascript:alert(document.cookie)');
    refused('javascript://shop.example.com/%0Aalert(1)');
    refused('data:text/html,<script>alert(1)</script>');
    refused('javascript:alert(1)//https://shop.example.com/');
  },
};
