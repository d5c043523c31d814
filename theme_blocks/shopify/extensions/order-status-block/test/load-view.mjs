// Bundles the block's Preact view for node, so tests can render it to a string.
// Needs node_modules (npm ci); `installed` says whether they are there.
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const installed = existsSync(join(root, 'node_modules', 'esbuild')) &&
  existsSync(join(root, 'node_modules', 'preact-render-to-string'));

/** `{render(view)}`: BlockView rendered to its s-* markup. */
export async function loadView(name = 'render-test') {
  const {build} = await import('esbuild');
  const out = join(root, 'node_modules', '.cache', `${name}.mjs`);
  await build({
    absWorkingDir: root, bundle: true, format: 'esm', platform: 'node', outfile: out, jsx: 'automatic',
    jsxImportSource: 'preact', logLevel: 'error',
    stdin: {resolveDir: root, loader: 'jsx', contents: `
      import {renderToString} from 'preact-render-to-string';
      import {BlockView} from './src/Block.jsx';
      export const render = (view) => renderToString(<BlockView view={view} />);`},
  });
  return import(`${pathToFileURL(out)}?${Date.now()}`);
}
