// The block API's origin: checked by scripts/build.mjs before bundling and again in the
// browser by src/config.js; there is no default host.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {checkOrigin, isDev} from '../src/origin.js';

test('https origins pass, normalised', () => {
  assert.deepEqual(checkOrigin('https://aftersales.example.org'), {origin: 'https://aftersales.example.org'});
  assert.deepEqual(checkOrigin(' https://Aftersales.Example.org:8443/ '), {origin: 'https://aftersales.example.org:8443'});
});

test('missing, not a URL, with a path, or not https: an error naming the variable', () => {
  for (const value of [undefined, null, '', '   ']) {
    assert.match(checkOrigin(value).error, /^AFTERSALES_API_ORIGIN is not set/);
  }
  assert.match(checkOrigin('aftersales.example.org').error, /not a URL/);
  assert.match(checkOrigin('https://aftersales.example.org/api').error, /origin only/);
  assert.match(checkOrigin('https://user:pw@aftersales.example.org').error, /origin only/);
  assert.match(checkOrigin('http://aftersales.example.org').error, /must use https/);
  assert.match(checkOrigin('ftp://aftersales.example.org').error, /must use https/);
  assert.match(checkOrigin('http://aftersales.example.org', {dev: true}).error, /must use https/);
});

test('plain http only for a loopback host and only with the dev flag', () => {
  assert.match(checkOrigin('http://127.0.0.1:8000').error, /AFTERSALES_DEV=1/);
  assert.deepEqual(checkOrigin('http://127.0.0.1:8000', {dev: true}), {origin: 'http://127.0.0.1:8000'});
  assert.deepEqual(checkOrigin('http://localhost:8000', {dev: true}), {origin: 'http://localhost:8000'});
  assert.equal(isDev('1'), true);
  assert.equal(isDev('yes'), true);
  assert.equal(isDev(''), false);
  assert.equal(isDev(undefined), false);
  assert.equal(isDev('0'), false);
});
