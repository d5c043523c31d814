// Where the block API lives: the public origin of the Flask app, given at build time as
// AFTERSALES_API_ORIGIN. Pure (no `shopify`, no `process`): the build script checks with it
// before bundling, and src/config.js checks the baked-in value again in the browser.

export const ORIGIN_VARIABLE = 'AFTERSALES_API_ORIGIN';
export const DEV_VARIABLE = 'AFTERSALES_DEV';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `{origin}` (e.g. "https://aftersales.example.org") or `{error}`, a one-line reason naming
 * the variable. https only; plain http only for 127.0.0.1 / localhost and only with `dev`
 * (a local `make run` seen from the developer's own browser).
 */
export function checkOrigin(value, {dev = false} = {}) {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) {
    return {error: `${ORIGIN_VARIABLE} is not set: give the public https origin of the Aftersales app ` +
      `(the block calls <origin>/api/v1/order-status), e.g. ${ORIGIN_VARIABLE}=https://<host of the app>`};
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    return {error: `${ORIGIN_VARIABLE}=${text} is not a URL; expected https://<host of the app>`};
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return {error: `${ORIGIN_VARIABLE}=${text} must be an origin only (scheme, host, optional port), ` +
      `without path, query or credentials; e.g. ${url.protocol}//${url.host}`};
  }
  if (url.protocol === 'https:') return {origin: url.origin};
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) {
    return dev ? {origin: url.origin}
      : {error: `${ORIGIN_VARIABLE}=${text} is plain http: allowed for a local build only, with ${DEV_VARIABLE}=1`};
  }
  return {error: `${ORIGIN_VARIABLE}=${text} must use https (plain http only for 127.0.0.1 or localhost ` +
    `with ${DEV_VARIABLE}=1)`};
}

/** The dev flag's value as a boolean ("1", "true", "yes"). */
export function isDev(value) {
  return ['1', 'true', 'yes'].includes(String(value ?? '').trim().toLowerCase());
}
