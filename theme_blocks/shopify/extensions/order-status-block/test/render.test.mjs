// Renders the block's Preact view to a string: the JSX compiles and the s-* markup holds
// the texts. Needs node_modules (npm ci); skipped without them.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {viewModel} from '../src/logic.js';
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
