// Bundle each target module with esbuild, minified, into dist/ (the size check reads it).
// AFTERSALES_API_ORIGIN (the public https origin of the Flask app) is baked in as the block
// API's origin; the build fails, naming the variable, when it is missing or not https
// (plain http only for 127.0.0.1 / localhost with AFTERSALES_DEV=1).
import {build} from 'esbuild';
import {rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {checkOrigin, DEV_VARIABLE, isDev, ORIGIN_VARIABLE} from '../src/origin.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dev = isDev(process.env[DEV_VARIABLE]);
const {origin, error} = checkOrigin(process.env[ORIGIN_VARIABLE], {dev});
if (error) {
  console.error(`build failed: ${error}`);
  process.exit(1);
}
rmSync(join(root, 'dist'), {recursive: true, force: true});

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
  // The same names the Shopify CLI defines, so src/config.js reads one variable either way.
  define: {
    'process.env.AFTERSALES_API_ORIGIN': JSON.stringify(origin),
    'process.env.AFTERSALES_DEV': JSON.stringify(dev ? '1' : ''),
    'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production'),
  },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`built dist/ for ${origin}`);
