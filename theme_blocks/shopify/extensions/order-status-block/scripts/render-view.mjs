// Render the block the way the extension does (viewModel → BlockView → s-* markup) outside
// Shopify: for the render test, and as a CLI for the app's tests, which feed it a real
// block API answer on stdin: `node scripts/render-view.mjs de < answer.json` prints the HTML.
// `--status 403`: the answer's HTTP status (default 200), read the way the block reads it
// (fetchOrderStatus: 403 "login required" becomes the login invitation, other errors nothing);
// `--can-login --pre-authenticated`: as on the order status page, reached from the mail.
// Needs the npm workspace installed (npm ci in theme_blocks/shopify: esbuild, preact-render-to-string).
import {readFileSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** {render(view, t), viewModel(data, t)} from the real sources, bundled for node. */
export async function loadView() {
  const {build} = await import('esbuild');
  // One file per process: `node --test` runs the test files side by side, each bundling.
  const out = join(root, 'node_modules', '.cache', `render-view-${process.pid}.mjs`);
  await build({
    absWorkingDir: root, bundle: true, format: 'esm', platform: 'node', outfile: out, jsx: 'automatic',
    jsxImportSource: 'preact', logLevel: 'error',
    // Any https origin: the view never calls it (scripts/build.mjs bakes in the real one).
    define: {'process.env.AFTERSALES_API_ORIGIN': '"https://block-api.invalid"', 'process.env.AFTERSALES_DEV': '""',
             'process.env.NODE_ENV': '"production"'},
    stdin: {resolveDir: root, loader: 'jsx', contents: `
      import {renderToString} from 'preact-render-to-string';
      import {BlockView} from './src/Block.jsx';
      export {viewModel} from './src/logic.js';
      export {LOGIN_REQUIRED} from './src/logic.js';
      export const render = (view, t) => renderToString(<BlockView view={view} actions={t ? {t} : undefined} />);`},
  });
  try {
    return await import(`${pathToFileURL(out)}?${Date.now()}`);
  } finally {
    rmSync(out, {force: true});
  }
}

/** shopify.i18n.translate over one of our locale files ({{name}} placeholders). */
export function translator(locale) {
  const file = locale === 'de' ? 'de.default.json' : `${locale}.json`;
  const strings = JSON.parse(readFileSync(join(root, 'locales', file), 'utf8'));
  return (key, vars = {}) => {
    if (!(key in strings)) throw new Error(`no translation for ${key} in ${file}`);
    return strings[key].replace(/\{\{(\w+)\}\}/g, (_, name) => String(vars[name] ?? ''));
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [locale, ...flags] = process.argv.slice(2);
  const t = translator(locale || 'de');
  const {render, viewModel} = await loadView();
  const {fetchOrderStatus} = await import('../src/logic.js');
  const status = flags.includes('--status') ? Number(flags[flags.indexOf('--status') + 1]) : 200;
  const body = JSON.parse(readFileSync(0, 'utf8') || 'null');
  const data = await fetchOrderStatus({url: 'stdin', getToken: async () => '', delays: [],
                                       fetch: async () => ({status, ok: status >= 200 && status < 300, json: async () => body})});
  const page = {canLogin: flags.includes('--can-login'), preAuthenticated: flags.includes('--pre-authenticated')};
  const view = viewModel(data, t, page);
  process.stdout.write(view ? render(view, t) : '');
}
