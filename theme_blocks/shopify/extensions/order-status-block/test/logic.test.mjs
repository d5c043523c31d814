import assert from 'node:assert/strict';
import {test} from 'node:test';

import {bannerView, blockUrl, faqView, fetchOrderStatus, localeFrom, orderIdFrom, safeUrl, socialView, viewModel}
  from '../src/logic.js';

const signal = (value) => ({value});
const t = (key, vars = {}) => `${key}(${Object.values(vars).join(',')})`;

const DATA = {
  version: 1, locale: 'en',
  order: {name: '#1001', status: 'shipped', status_label: 'Shipped'},
  shop: {name: 'Shop', branding: {}},
  modules: {
    delivery_status: {branch: null, timeline: [
      {step: 'placed', label: 'Placed', state: 'done'},
      {step: 'shipped', label: 'Shipped', state: 'current'},
      {step: 'delivered', label: 'Delivered', state: 'todo'},
    ]},
    tracking: {parcels: [{
      id: 7, label: 'Parcel 1', carrier: 'DHL', tracking_number: '00340434161094042557',
      tracking_url: 'https://www.dhl.de/track?id=1', status: 'in_transit', status_label: 'On its way',
      events: [{status: 'in_transit', label: 'On its way', at: '2026-11-20T10:00:00Z', location: 'Leipzig'}],
    }]},
    delivery_estimate: {state: 'expected', source: 'rule', title: 'Expected delivery', text: 'Mon 23 – Tue 24 Nov',
                        source_label: "Shop's estimate"},
    reorder: {url: 'https://shop.example/cart/1:2', title: 'Again?', text: 'One click', cta: 'Reorder'},
  },
};

test('order id: thank-you confirmation first, then the order status page order', () => {
  assert.equal(orderIdFrom({orderConfirmation: signal({order: {id: 'gid://shopify/OrderIdentity/42'}})}),
    'gid://shopify/OrderIdentity/42');
  assert.equal(orderIdFrom({order: signal({id: 'gid://shopify/Order/9'})}), 'gid://shopify/Order/9');
  assert.equal(orderIdFrom({order: signal(undefined)}), null);
  assert.equal(orderIdFrom({order: signal({id: 'gid://shopify/Product/9'})}), null);
  assert.equal(orderIdFrom(undefined), null);
});

test('locale and url', () => {
  assert.equal(localeFrom({localization: {language: signal({isoCode: 'de-AT'})}}), 'de-AT');
  assert.equal(localeFrom({}), null);
  assert.equal(blockUrl('https://a.test/', 'gid://shopify/Order/9', 'de'),
    'https://a.test/api/v1/order-status?order_id=gid%3A%2F%2Fshopify%2FOrder%2F9&locale=de');
  assert.equal(blockUrl('https://a.test', 'gid://shopify/Order/9', null),
    'https://a.test/api/v1/order-status?order_id=gid%3A%2F%2Fshopify%2FOrder%2F9');
});

function fakeFetch(statuses, body = DATA) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({url, init});
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)];
    if (status === 'throw') throw new TypeError('network down');
    return {status, ok: status >= 200 && status < 300, json: async () => body};
  };
  return {fetch, calls};
}

test('sends the session token and returns the body', async () => {
  const {fetch, calls} = fakeFetch([200]);
  const body = await fetchOrderStatus({url: 'u', getToken: async () => 'tok', fetch, sleep: async () => {}});
  assert.equal(body, DATA);
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tok');
});

test('404 is retried with back-off, then succeeds', async () => {
  const {fetch, calls} = fakeFetch([404, 404, 200]);
  const slept = [];
  const body = await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch, delays: [10, 20, 40],
                                       sleep: async (ms) => { slept.push(ms); }});
  assert.equal(body, DATA);
  assert.equal(calls.length, 3);
  assert.deepEqual(slept, [10, 20]);
});

test('404 forever gives up after the last delay', async () => {
  const {fetch, calls} = fakeFetch([404]);
  const body = await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch, delays: [1, 2], sleep: async () => {}});
  assert.equal(body, null);
  assert.equal(calls.length, 3);
});

test('errors render nothing: 401, 500, network, bad token, bad json, wrong version', async () => {
  for (const statuses of [[401], [403], [500], ['throw']]) {
    const {fetch, calls} = fakeFetch(statuses);
    assert.equal(await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch, sleep: async () => {}}), null);
    assert.equal(calls.length, 1);
  }
  const {fetch} = fakeFetch([200]);
  assert.equal(await fetchOrderStatus({url: 'u', getToken: async () => { throw new Error('no'); }, fetch}), null);
  const broken = async () => ({status: 200, ok: true, json: async () => { throw new SyntaxError('x'); }});
  assert.equal(await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch: broken}), null);
  const v2 = fakeFetch([200], {...DATA, version: 2});
  assert.equal(await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch: v2.fetch}), null);
});

test('stops retrying once cancelled', async () => {
  const {fetch, calls} = fakeFetch([404]);
  let stop = false;
  const body = await fetchOrderStatus({url: 'u', getToken: async () => 't', fetch, sleep: async () => { stop = true; },
                                       cancelled: () => stop});
  assert.equal(body, null);
  assert.equal(calls.length, 1);
});

test('view model: timeline, parcel, estimate, reorder', () => {
  const view = viewModel(DATA, t);
  assert.equal(view.title, 'title(#1001)');
  assert.equal(view.branch, null);
  assert.deepEqual(view.timeline.map((s) => s.text), ['stepDone(Placed)', 'stepCurrent(Shipped)', 'Delivered']);
  assert.deepEqual(view.parcels, [{
    id: 7, heading: 'Parcel 1 · DHL', status: 'On its way', number: 'trackingNumber(00340434161094042557)',
    url: 'https://www.dhl.de/track?id=1', linkText: 'trackParcel()', latest: 'On its way · Leipzig',
  }]);
  assert.deepEqual(view.estimate, {late: false, title: 'Expected delivery', text: 'Mon 23 – Tue 24 Nov',
                                   source: "Shop's estimate"});
  assert.equal(view.reorder.url, 'https://shop.example/cart/1:2');
  assert.equal(view.review, null);
});

test('view model: late apology, branch, review, unsafe links dropped', () => {
  const data = structuredClone(DATA);
  data.order.status_label = 'Needs attention';
  data.modules.delivery_status.branch = 'needs_attention';
  data.modules.delivery_estimate = {state: 'late', source: 'rule', earliest: null, latest: null,
                                    title: 'Running late', text: 'Sorry'};
  data.modules.tracking.parcels[0].tracking_url = 'javascript:alert(1)';
  data.modules.review_prompt = {url: 'https://g.page/r/x', title: 'Review', text: 'Tell us', cta: 'Write'};
  const view = viewModel(data, t);
  assert.equal(view.branch, 'Needs attention');
  assert.deepEqual(view.estimate, {late: true, title: 'Running late', text: 'Sorry', source: null});
  assert.equal(view.parcels[0].url, null);
  assert.equal(view.review.cta, 'Write');
});

test('view model: nothing to show gives null', () => {
  assert.equal(viewModel(null, t), null);
  assert.equal(viewModel({version: 1, order: {}, modules: {}}, t), null);
  assert.equal(viewModel({version: 1, order: {}, modules: {tracking: {parcels: []}}}, t), null);
  assert.equal(safeUrl('ftp://x'), null);
});

test('view model: faq, banner and social alone are worth showing; empty or unsafe ones are not', () => {
  const faq = {title: 'FAQ', entries: [{id: 'x', question: 'Q?', answer: 'A.\nB.', locale: 'en'},
                                       {id: 'y', question: 'F?', answer: 'Antwort', locale: 'de'}]};
  const view = viewModel({version: 1, locale: 'en', order: {name: '#1'}, modules: {faq}}, t);
  assert.deepEqual(view.faq, {title: 'FAQ', entries: [{id: 'x', question: 'Q?', lines: ['A.', 'B.'], lang: null},
                                                      {id: 'y', question: 'F?', lines: ['Antwort'], lang: 'de'}]});
  assert.equal(faqView({title: 'FAQ', entries: []}), null);
  assert.equal(faqView({title: 'FAQ', entries: [{id: 'y', question: 'Q?'}]}), null);
  assert.equal(bannerView({discount_code: 'X', title: null, text: null}), null);
  assert.deepEqual(bannerView({title: 'Hi', text: null, url: 'javascript:alert(1)', cta: 'Go', discount_code: null}),
    {title: 'Hi', lines: [], url: null, cta: null, code: null, codeLabel: undefined, lang: null});
  assert.equal(socialView({title: 'Follow', links: [{network: 'x', name: 'X', url: 'javascript:1'}],
                           newsletter_url: null}), null);
  assert.deepEqual(socialView({title: 'Follow', links: [], newsletter_url: 'https://n.example', newsletter_cta: 'Join'})
    .newsletter, {url: 'https://n.example', cta: 'Join'});
  assert.equal(viewModel({version: 1, order: {}, modules: {faq: {title: 'F', entries: []}, social: {links: []}}}, t),
    null);
});
