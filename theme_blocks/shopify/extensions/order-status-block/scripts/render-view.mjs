// Render the block the way the extension does (viewModel → BlockView → s-* markup) outside
// Shopify: for the render test, and as a CLI for the app's tests, which feed it a real
// block API answer on stdin: `node scripts/render-view.mjs de < answer.json` prints the HTML.
// Needs node_modules (esbuild, preact-render-to-string).
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** {render(view, t), viewModel(data, t)} from the real sources, bundled for node. */
export async function loadView() {
  const {build} = await import('esbuild');
  const out = join(root, 'node_modules', '.cache', 'render-view.mjs');
  await build({
    absWorkingDir: root, bundle: true, format: 'esm', platform: 'node', outfile: out, jsx: 'automatic',
    jsxImportSource: 'preact', logLevel: 'error',
    stdin: {resolveDir: root, loader: 'jsx', contents: `
      import {renderToString} from 'preact-render-to-string';
      import {BlockView} from './src/Block.jsx';
      export {viewModel} from './src/logic.js';
      export const render = (view, t) => renderToString(<BlockView view={view} actions={t ? {t} : undefined} />);`},
  });
  return import(`${pathToFileURL(out)}?${Date.now()}`);
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
  const t = translator(process.argv[2] || 'de');
  const {render, viewModel} = await loadView();
  const view = viewModel(JSON.parse(readFileSync(0, 'utf8')), t);
  process.stdout.write(view ? render(view, t) : '');
}
