// Bundle each target module with esbuild, minified, into dist/ (the size check reads it).
// APP_URL (the public base of the Flask app) is baked in as the block API's origin.
import {build} from 'esbuild';
import {rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), {recursive: true, force: true});
const define = {};
if (process.env.APP_URL) define.__AFTERSALES_API_URL__ = JSON.stringify(process.env.APP_URL);

await build({
  absWorkingDir: root,
  entryPoints: {'thank-you': 'src/ThankYouBlock.jsx', 'order-status': 'src/OrderStatusPageBlock.jsx'},
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true, // what both targets share lands in one chunk, counted once
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define,
  legalComments: 'none',
  logLevel: 'warning',
});
