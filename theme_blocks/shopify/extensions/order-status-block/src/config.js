// Where the block API lives, baked in at build time; there is no default host.
//
// Both builds replace `process.env.AFTERSALES_API_ORIGIN` with the variable's value (esbuild
// `define`): `make shopify-extension` through scripts/build.mjs, which checks it first, and
// the Shopify CLI (`shopify app build|dev|deploy`), which defines every variable of its own
// environment and of the app root's `.env` the same way. Without the variable the `require`
// below stays in the bundle and cannot be resolved, so a CLI build FAILS with this text
// instead of shipping a block that calls the wrong server. With it, esbuild drops the
// branch before resolving anything.
import {checkOrigin, isDev} from './origin.js';

/* global process, require */
if (!process.env.AFTERSALES_API_ORIGIN) {
  require('./AFTERSALES_API_ORIGIN is not set - export the https origin of the Aftersales app before building');
}

// Each read alone: a variable the build did not replace is a ReferenceError in the browser.
function originBakedIn() {
  try {
    return process.env.AFTERSALES_API_ORIGIN;
  } catch {
    return undefined;
  }
}

function devBakedIn() {
  try {
    return process.env.AFTERSALES_DEV;
  } catch {
    return undefined;
  }
}

const checked = checkOrigin(originBakedIn(), {dev: isDev(devBakedIn())});
if (checked.error) console.error(`aftersales block: ${checked.error}`);

/** The block API's origin, or null (then the block renders nothing): https only. */
export const API_URL = checked.origin ?? null;
