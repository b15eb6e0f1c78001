'use strict';
const fs = require('fs');
const path = require('path');
const { check, checkEq, checkExcludes, inCandidate } = require('secgap_check');
const { renderTemplate } = require('solution');

const SECRET = 'smtp-pw-4f1d8e2a90c7';

function orderData() {
  return {
    customer: { name: 'Ada Lovelace', email: 'ada@example.org', vip: false, nickname: null },
    order: {
      id: 10452,
      total: 84.5,
      currency: 'EUR',
      discount: 0,
      giftWrap: true,
      note: undefined,
      shipping: { city: 'Lyon', address: { line1: '12 Rue de la Paix', line2: 'Apt 4', zip: '69002' } },
    },
    store: { name: "Bea's Books", shippingDays: 3, support_email: 'help@beasbooks.example' },
  };
}

function render(template, data = orderData()) {
  const out = renderTemplate(template, data);
  check(typeof out === 'string', 'renderTemplate must return a string, got ' + typeof out);
  return out;
}

function marker(name) {
  return path.join(process.cwd(), name);
}

// Rendering a hostile template may fail or produce any text, as long as the
// template's code did not run.
function attempt(template) {
  try {
    const out = renderTemplate(template, orderData());
    return typeof out === 'string' ? out : String(out);
  } catch (_) {
    return '';
  }
}

module.exports = {
  fills_order_and_customer_fields() {
    checkEq(
      render('Hi {{customer.name}}, thanks for order #{{order.id}} at {{store.name}}!'),
      "Hi Ada Lovelace, thanks for order #10452 at Bea's Books!",
      'rendered e-mail',
    );
    checkEq(render('{{order.id}}{{order.currency}}'), '10452EUR', 'adjacent placeholders');
    checkEq(render('No placeholders here.'), 'No placeholders here.', 'plain text');
    checkEq(render(''), '', 'empty template');
  },

  spaces_inside_braces() {
    checkEq(render('#{{ order.id }} / {{order.id }} / {{  order.id}}'), '#10452 / 10452 / 10452', 'placeholders with spaces');
    checkEq(render('Questions? {{ store.support_email }}'), 'Questions? help@beasbooks.example', 'underscore in a name');
  },

  deep_paths_and_value_types() {
    checkEq(
      render('{{order.shipping.address.line1}}, {{ order.shipping.address.line2 }}, {{order.shipping.address.zip}} {{order.shipping.city}}'),
      '12 Rue de la Paix, Apt 4, 69002 Lyon',
      'deep paths',
    );
    checkEq(
      render('total={{order.total}} discount={{order.discount}} vip={{customer.vip}} wrap={{order.giftWrap}} days={{store.shippingDays}}'),
      'total=84.5 discount=0 vip=false wrap=true days=3',
      'numbers and booleans',
    );
  },

  missing_values_are_empty() {
    checkEq(render('[{{customer.nickname}}]'), '[]', 'null value');
    checkEq(render('[{{order.note}}]'), '[]', 'undefined value');
    checkEq(render('[{{customer.phone}}]'), '[]', 'missing key');
    checkEq(render('[{{coupon.code}}] [{{order.shipping.address.country.name}}]'), '[] []', 'missing parents');
    checkEq(render('Hi {{customer.name}}!', {}), 'Hi !', 'empty data');
  },

  other_text_copied_exactly() {
    const text = [
      'Use code `SPRING10` at checkout: save $5.00 (or 5%).',
      'Path: C:\\Users\\ada\\orders\\n-not-a-newline \\u0041',
      "Quotes: 'single' \"double\" and a {single} brace, } and {.",
      'Unicode: café ✓ 注文 😀',
      '\ttabbed line',
    ].join('\n');
    checkEq(render(text), text, 'template without placeholders');
    checkEq(render('`{{order.id}}` \\{{order.currency}}\\'), '`10452` \\EUR\\', 'placeholders next to backticks and backslashes');
  },

  values_inserted_verbatim() {
    const data = orderData();
    data.customer.name = '{{store.name}}';
    data.order.currency = '`$` \\n';
    checkEq(render('Hi {{customer.name}}, {{order.currency}}', data), 'Hi {{store.name}}, `$` \\n', 'values that look like template text');
  },

  dollar_brace_in_template_text() {
    // The secret is in the environment of the process the template code
    // would run in: the candidate's.
    inCandidate('setEnv', 'SHOP_MAIL_PASSWORD', SECRET);
    const file = marker('pwned_dollar');
    const out = attempt(
      'Hi {{customer.name}}, your code is ${process.env.SHOP_MAIL_PASSWORD}.' +
        '${process.mainModule.require("fs").writeFileSync(' + JSON.stringify(file) + ', "x")}',
    );
    check(!fs.existsSync(file), 'the template ran code: ' + file + ' was created');
    checkExcludes(out, SECRET, 'rendered e-mail');
  },

  function_constructor_in_placeholder() {
    const file = marker('pwned_ctor');
    attempt(
      'Order {{ constructor.constructor("return process")().mainModule.require("fs").writeFileSync(' +
        JSON.stringify(file) +
        ', "x") }} confirmed',
    );
    check(!fs.existsSync(file), 'the placeholder ran code: ' + file + ' was created');
    attempt('{{customer.constructor.constructor("return process")().mainModule.require("fs").writeFileSync(' + JSON.stringify(file) + ', "y")}}');
    check(!fs.existsSync(file), 'the placeholder ran code: ' + file + ' was created');
  },

  global_process_in_placeholder() {
    inCandidate('setEnv', 'SHOP_MAIL_PASSWORD', SECRET);
    for (const template of [
      'Order #{{ order.id + process.env.SHOP_MAIL_PASSWORD }}',
      'Order #{{order.id,process.env.SHOP_MAIL_PASSWORD}}',
      'Order #{{ process.env.SHOP_MAIL_PASSWORD }}',
    ]) {
      checkExcludes(attempt(template), SECRET, `rendered e-mail for ${JSON.stringify(template)}`);
    }
  },
};
