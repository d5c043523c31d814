// Renders the block's Preact view to a string: the JSX compiles and the s-* markup holds
// the texts. Needs node_modules (npm ci); skipped without them.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {viewModel} from '../src/logic.js';
import {translator} from '../scripts/render-view.mjs';
import {installed, loadView} from './load-view.mjs';

const t = (key, vars = {}) => ({trackParcel: 'Track parcel', title: `Order ${vars.name}`,
  trackingNumber: `Tracking number: ${vars.number}`, stepDone: `${vars.label} ✓`,
  stepCurrent: `${vars.label} (current)`})[key];

test('the view renders modules as Polaris web components', {skip: !installed && 'run npm ci first'}, async () => {
  const {render} = await loadView();
  const html = render(viewModel({
    version: 1, order: {name: '#1001', status_label: 'Shipped'},
    modules: {
      delivery_status: {branch: null, timeline: [{step: 'placed', label: 'Placed', state: 'done'},
                                                 {step: 'shipped', label: 'Shipped', state: 'current'}]},
      tracking: {parcels: [{id: 1, label: 'Parcel 1', carrier: 'DHL', tracking_number: '00340434161094042557',
                            tracking_url: 'https://dhl.example/t?x=1&y=2', status_label: 'On its way', events: []}]},
      delivery_estimate: {state: 'late', title: 'Running late', text: 'We are sorry.'},
      reorder: {url: 'https://shop.example/cart/1:2', title: 'Again?', text: 'All in the cart', cta: 'Reorder'},
    },
  }, t));
  assert.match(html, /^<s-section heading="Order #1001">/);
  assert.match(html, /<s-list-item><s-text type="strong">Shipped \(current\)<\/s-text><\/s-list-item>/);
  assert.match(html, /Tracking number: 00340434161094042557/);
  assert.match(html, /<s-link href="https:\/\/dhl.example\/t\?x=1&amp;y=2" target="_blank">Track parcel<\/s-link>/);
  assert.match(html, /<s-banner tone="warning" heading="Running late"><s-text>We are sorry.<\/s-text><\/s-banner>/);
  assert.match(html, /<s-button href="https:\/\/shop.example\/cart\/1:2" target="_blank">Reorder<\/s-button>/);
});

test('faq, banner and social render with the locale files', {skip: !installed && 'run npm ci first'}, async () => {
  const {render} = await loadView();
  const t = translator('en');
  const html = render(viewModel({
    version: 1, order: {name: '#1002', status_label: 'Delivered'},
    modules: {
      faq: {title: 'Questions and answers', entries: [
        {id: 'a1', question: 'How do I wash it?', answer: 'Cold.\nInside out.', answer_lines: ['Cold.', 'Inside out.'],
         locale: 'en'}]},
      banner: {title: 'Thank you', text: 'Ten percent off', text_lines: ['Ten percent off'], locale: 'de',
               url: 'https://shop.example/sale', discount_code: 'THANKS10', code_label: 'Your discount code',
               cta: 'Learn more'},
      social: {title: 'Follow us', links: [{network: 'instagram', name: 'Instagram', url: 'https://instagram.com/x'},
                                           {network: 'tiktok', name: 'TikTok', url: 'javascript:alert(1)'}],
               newsletter_url: 'https://shop.example/news', newsletter_cta: 'Sign up'},
    },
  }, t), t);
  assert.match(html, /<s-details><s-summary>How do I wash it\?<\/s-summary><s-paragraph lang="en">Cold.<\/s-paragraph>/);
  assert.match(html, /<s-paragraph lang="de">Ten percent off<\/s-paragraph>/);
  assert.match(html, /Your discount code: <s-text type="strong">THANKS10<\/s-text>/);
  assert.match(html, /<s-clipboard-item id="aftersales-code" text="THANKS10"><\/s-clipboard-item>/);
  assert.match(html, /command="--copy" commandFor="aftersales-code">Copy code<\/s-button>/);
  assert.match(html, /<s-link href="https:\/\/instagram.com\/x" target="_blank">Instagram<\/s-link>/);
  assert.doesNotMatch(html, /TikTok|javascript:/);
  assert.match(html, /<s-button href="https:\/\/shop.example\/news" target="_blank">Sign up<\/s-button>/);
});
