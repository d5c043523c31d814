// The block's Preact view bundled for node (scripts/render-view.mjs), so tests can render it
// to a string. Needs node_modules (npm ci); `installed` says whether they are there.
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export {loadView} from '../scripts/render-view.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const installed = existsSync(join(root, 'node_modules', 'esbuild')) &&
  existsSync(join(root, 'node_modules', 'preact-render-to-string'));
