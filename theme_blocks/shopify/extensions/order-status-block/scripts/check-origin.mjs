// Run before `shopify app build|deploy` (the app root's package.json `pre…` scripts): the
// CLI's own bundling fails only when AFTERSALES_API_ORIGIN is missing; this also refuses a
// value that is not https (plain http only for 127.0.0.1 / localhost with AFTERSALES_DEV=1).
// Like the CLI, it takes the variables from the environment first, then from the app
// root's `.env` (theme_blocks/shopify/.env).
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {checkOrigin, DEV_VARIABLE, isDev, ORIGIN_VARIABLE} from '../src/origin.js';

const appRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function dotenv(path) {
  if (!existsSync(path)) return {};
  const values = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

const env = {...dotenv(join(appRoot, '.env')), ...Object.fromEntries(
  Object.entries(process.env).filter(([, value]) => value))};
const {origin, error} = checkOrigin(env[ORIGIN_VARIABLE], {dev: isDev(env[DEV_VARIABLE])});
if (error) {
  console.error(`build failed: ${error}`);
  process.exit(1);
}
console.log(`${ORIGIN_VARIABLE}=${origin}`);
