// The block's Preact view bundled for node (scripts/render-view.mjs), so tests can render it
// to a string. Needs the npm workspace installed (`npm ci` in theme_blocks/shopify, which
// hoists the packages there); `installed` says whether they resolve from here.
import {createRequire} from 'node:module';

export {loadView} from '../scripts/render-view.mjs';

const require = createRequire(import.meta.url);
const resolves = (name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
export const installed = resolves('esbuild') && resolves('preact-render-to-string');
