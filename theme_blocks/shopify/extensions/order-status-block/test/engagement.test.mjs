// Recommendations, survey and newsletter in the extension: the pure views, the POST helper,
// and the rendered s-* markup (the render part needs node_modules: npm ci).
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {viewModel} from '../src/logic.js';
import {actionUrl, engagementViews, postAction} from '../src/modules/engagement.js';
import {installed, loadView} from './load-view.mjs';

const t = (key, vars = {}) => `${key}(${Object.values(vars).join(',')})`;
const MODULES = {
  recommendations: {title: 'Goes well with it', cta: 'View', items: [
    {product_id: '7', title: 'Linen shirt', url: 'https://shop.example/products/linen-shirt', reason: 'bought_together'},
    {product_id: '8', title: 'Sneaky', url: 'javascript:alert(1)', reason: 'best_seller'},
  ]},
  survey: {title: 'Your opinion', question: 'Recommend us?', scores: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
           low_label: '0 = no', high_label: '10 = yes', comment_label: 'Anything else?', submit: 'Send',
           answered: false, score: null, answer_label: null, thanks: 'Thanks!', voucher_code: null,
           voucher_label: 'Your code:'},
  newsletter: {title: 'Newsletter', text: 'News by email.', subscribed: false, subscribed_text: 'Subscribed.',
               cta: 'Subscribe', note: 'We send a confirmation first.'},
};

test('the views keep only safe links and what each state needs', () => {
  const views = engagementViews(MODULES);
  assert.deepEqual(views.recommendations.items, [
    {id: '7', title: 'Linen shirt', url: 'https://shop.example/products/linen-shirt'}]);
  assert.equal(views.survey.scale, '0 = no · 10 = yes');
  assert.deepEqual(views.survey.scores, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  assert.equal(views.survey.thanks, null);
  assert.equal(views.newsletter.cta, 'Subscribe');
  const answered = engagementViews({survey: {...MODULES.survey, answered: true, score: 3, answer_label: 'Your answer: 3',
                                             voucher_code: 'THANKS5'},
                                    newsletter: {...MODULES.newsletter, subscribed: true}});
  assert.equal(answered.survey.thanks, 'Thanks! Your answer: 3');
  assert.deepEqual(answered.survey.voucher, {label: 'Your code:', code: 'THANKS5'});
  assert.deepEqual(answered.newsletter, {title: 'Newsletter', text: 'Subscribed.', cta: null, note: null});
});

test('a switched-off module is absent from the view; one alone is enough to show the block', () => {
  assert.deepEqual(engagementViews({}), {recommendations: null, survey: null, newsletter: null});
  assert.equal(viewModel({version: 1, order: {name: '#1'}, modules: {}}, t), null);
  const view = viewModel({version: 1, order: {name: '#1'}, modules: {newsletter: MODULES.newsletter}}, t);
  assert.equal(view.newsletter.title, 'Newsletter');
  assert.equal(view.survey, null);
  assert.equal(view.recommendations, null);
});

test('answers are posted as JSON with the session token', async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({url, init});
    return {ok: true, status: 200, json: async () => ({state: 'sent'})};
  };
  const url = actionUrl('https://app.example/', 'newsletter', 'de');
  assert.equal(url, 'https://app.example/api/v1/newsletter?locale=de');
  const answer = await postAction({url, getToken: async () => 'tok', fetch, body: {order_id: 'gid://shopify/Order/1'}});
  assert.deepEqual(answer, {ok: true, status: 200, body: {state: 'sent'}});
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tok');
  assert.equal(calls[0].init.body, '{"order_id":"gid://shopify/Order/1"}');
  const refused = await postAction({url, getToken: async () => 'tok', body: {},
                                    fetch: async () => ({ok: false, status: 400, json: async () => ({error: 'x'})})});
  assert.equal(refused.ok, false);
  const offline = await postAction({url, getToken: async () => 'tok', body: {}, fetch: async () => { throw new Error(); }});
  assert.deepEqual(offline, {ok: false, status: 0, body: null});
});

test('the three modules render as Polaris web components', {skip: !installed && 'run npm ci first'}, async () => {
  const {render} = await loadView('engagement-render-test');
  const html = render(viewModel({version: 1, order: {name: '#1001'}, modules: MODULES}, t));
  assert.match(html, /<s-heading>Goes well with it<\/s-heading><s-link href="https:\/\/shop.example\/products\/linen-shirt" target="_blank">Linen shirt<\/s-link>/);
  assert.doesNotMatch(html, /javascript:/);
  assert.match(html, /<s-choice-list label="Recommend us\?" name="score" variant="inline"/);
  assert.equal((html.match(/<s-choice /g) || []).length, 11);
  assert.match(html, /<s-text-area label="Anything else\?"/);
  assert.match(html, /<s-button variant="primary" disabled[^>]*>Send<\/s-button>/);
  assert.match(html, /<s-text>News by email.<\/s-text><s-button[^>]*>Subscribe<\/s-button><s-text color="subdued">We send a confirmation first.<\/s-text>/);
  const thanked = render(viewModel({version: 1, order: {name: '#1001'}, modules: {
    survey: {...MODULES.survey, answered: true, answer_label: 'Your answer: 9', voucher_code: 'THANKS5'}}}, t));
  assert.match(thanked, /<s-text>Thanks! Your answer: 9<\/s-text>/);
  assert.match(thanked, /Your code: <s-text type="strong">THANKS5<\/s-text>/);
  assert.doesNotMatch(thanked, /s-choice-list/);
});
