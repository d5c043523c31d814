// What the block shows for each answer the block API gives (app/web/blocks.py): the full
// order (a logged-in buyer, or a guest in the first 2 hours: the thank-you page), the status
// only (a guest from the confirmation mail, 2 to 72 hours after the order), and 403 "login
// required" (a guest after 72 hours, or someone else's order). The render part needs the
// npm workspace installed (npm ci in theme_blocks/shopify).
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {fetchOrderStatus, LOGIN_REQUIRED, viewModel} from '../src/logic.js';
import {translator} from '../scripts/render-view.mjs';
import {installed, loadView} from './load-view.mjs';

const TRACKING = '00340434161094042557';
const TIMELINE = [{step: 'placed', label: 'Placed', state: 'done'}, {step: 'shipped', label: 'Shipped', state: 'current'},
                  {step: 'delivered', label: 'Delivered', state: 'todo'}];
const ESTIMATE = {state: 'expected', source: 'rule', title: 'Expected delivery', text: 'Mon 23 – Tue 24 Nov',
                  source_label: "Shop's estimate"};
const FULL = {
  version: 1, locale: 'en',
  order: {name: '#1001', status: 'shipped', status_label: 'Shipped', placed_at: '2026-11-20T08:00:00Z',
          currency: 'EUR', total: '59.90'},
  shop: {name: 'Shop', branding: {}},
  modules: {
    delivery_status: {branch: null, attention: null, timeline: TIMELINE},
    tracking: {parcels: [{id: 7, label: 'Parcel 1', carrier: 'DHL', tracking_number: TRACKING,
                          tracking_url: 'https://www.dhl.de/track?id=1', status_label: 'On its way', events: []}]},
    delivery_estimate: ESTIMATE,
    reorder: {url: 'https://shop.example/cart/1:2', title: 'Again?', text: 'One click', cta: 'Reorder'},
  },
};
// Exactly what app/web/blocks.py `_status_only` leaves: no total, no parcels, no links, no actions.
const STATUS_ONLY = {
  ...FULL,
  order: {name: '#1001', status: 'shipped', status_label: 'Shipped', placed_at: '2026-11-20T08:00:00Z',
          currency: null, total: null},
  modules: {delivery_status: {branch: null, attention: null, timeline: TIMELINE}, delivery_estimate: ESTIMATE},
};
const REFUSAL = {status: 403, error: 'login required'};

const ORDER_STATUS_PAGE_FROM_MAIL = {canLogin: true, preAuthenticated: true};
const THANK_YOU_PAGE = {canLogin: false, preAuthenticated: false};

const answer = (status, body) => async () => ({status, ok: status >= 200 && status < 300, json: async () => body});
const fetchWith = (status, body) => fetchOrderStatus({url: 'u', getToken: async () => 't', fetch: answer(status, body),
                                                      sleep: async () => {}});

test('full answer: timeline, parcel with its tracking number, estimate, reorder; no login prompt', async () => {
  const data = await fetchWith(200, FULL);
  const view = viewModel(data, translator('en'), ORDER_STATUS_PAGE_FROM_MAIL);
  assert.equal(view.title, 'Order #1001');
  assert.equal(view.timeline.length, 3);
  assert.equal(view.parcels[0].number, `Tracking number: ${TRACKING}`);
  assert.equal(view.estimate.title, 'Expected delivery');
  assert.equal(view.reorder.cta, 'Reorder');
  assert.equal(view.login, null);
});

test('status-only answer: the status and the estimate, no parcels, no total, no links', async () => {
  const data = await fetchWith(200, STATUS_ONLY);
  for (const page of [THANK_YOU_PAGE, ORDER_STATUS_PAGE_FROM_MAIL, {}]) {
    const view = viewModel(data, translator('en'), page);
    assert.equal(view.title, 'Order #1001');
    assert.deepEqual(view.timeline.map((s) => s.text), ['Placed ✓', 'Shipped (current)', 'Delivered']);
    assert.deepEqual(view.parcels, []);
    assert.equal(view.estimate.text, 'Mon 23 – Tue 24 Nov');
    assert.equal(view.reorder, null);
    assert.equal(view.review, null);
    assert.ok(!JSON.stringify(view).includes('59.90'));
  }
  // Reached from the confirmation mail, not logged in: the way to the parcels is to log in.
  assert.deepEqual(viewModel(data, translator('en'), ORDER_STATUS_PAGE_FROM_MAIL).login,
                   {text: 'Log in to see your parcels and tracking numbers.', cta: 'Log in'});
  assert.equal(viewModel(data, translator('en'), THANK_YOU_PAGE).login, null);
  assert.equal(viewModel(data, translator('en'), {canLogin: true, preAuthenticated: false}).login, null);
});

test('403 login required: a short invitation to log in, no order data, no error text', async () => {
  const data = await fetchWith(403, REFUSAL);
  assert.equal(data, LOGIN_REQUIRED);
  const view = viewModel(data, translator('de'), ORDER_STATUS_PAGE_FROM_MAIL);
  assert.equal(view.title, 'Ihre Bestellung');
  assert.deepEqual(view.login, {text: 'Bitte melden Sie sich an, um den Status dieser Bestellung zu sehen.',
                                cta: 'Anmelden'});
  assert.deepEqual([view.timeline, view.parcels, view.estimate, view.reorder], [[], [], null, null]);
  assert.equal(viewModel(data, translator('en'), THANK_YOU_PAGE).login.cta, null); // no login on the thank-you page
  assert.ok(!JSON.stringify(view).includes('login required'));
  // Any other refusal, or a 403 without that reason, still renders nothing.
  assert.equal(await fetchWith(403, {status: 403, error: 'something else'}), null);
  assert.equal(await fetchWith(403, null), null);
  assert.equal(await fetchWith(401, {status: 401, error: 'invalid session token'}), null);
});

test('the three answers render as Polaris web components', {skip: !installed && 'run npm ci first'}, async () => {
  const {render} = await loadView();
  const t = translator('en');
  const full = render(viewModel(FULL, t, ORDER_STATUS_PAGE_FROM_MAIL), t);
  assert.match(full, /^<s-section heading="Order #1001">/);
  assert.match(full, new RegExp(`Tracking number: ${TRACKING}`));
  assert.doesNotMatch(full, /Log in/);

  const statusOnly = render(viewModel(STATUS_ONLY, t, ORDER_STATUS_PAGE_FROM_MAIL), t);
  assert.match(statusOnly, /^<s-section heading="Order #1001">/);
  assert.match(statusOnly, /<s-list-item><s-text type="strong">Shipped \(current\)<\/s-text><\/s-list-item>/);
  assert.match(statusOnly, /<s-heading>Expected delivery<\/s-heading>/);
  assert.match(statusOnly, /<s-text>Log in to see your parcels and tracking numbers.<\/s-text><s-button>Log in<\/s-button>/);
  assert.doesNotMatch(statusOnly, /Tracking number|s-link|59\.90|undefined|null/);
  const statusOnlyThankYou = render(viewModel(STATUS_ONLY, t, THANK_YOU_PAGE), t);
  assert.doesNotMatch(statusOnlyThankYou, /Log in|s-button/);

  const refused = render(viewModel(LOGIN_REQUIRED, t, ORDER_STATUS_PAGE_FROM_MAIL), t);
  assert.equal(refused, '<s-section heading="Your order"><s-stack gap="base"><s-stack gap="small-500">' +
    '<s-text>Please log in to see the status of this order.</s-text><s-button>Log in</s-button></s-stack></s-stack></s-section>');
  const refusedThankYou = render(viewModel(LOGIN_REQUIRED, t, THANK_YOU_PAGE), t);
  assert.doesNotMatch(refusedThankYou, /s-button/);
});
