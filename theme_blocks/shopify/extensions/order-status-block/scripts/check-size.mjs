// Fail when the gzip-compressed bundle exceeds our budget (20 KB; Shopify's cap is 64 KB).
// The budget applies to the sum of every file in dist/ (two entries + their shared chunk).
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';

export const BUDGET_BYTES = 20 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const files = readdirSync(dist).filter((name) => name.endsWith('.js'));
if (files.length === 0) {
  console.error(`no bundle in ${dist}: run the build first`);
  process.exit(1);
}
let total = 0;
for (const name of files) {
  const raw = readFileSync(join(dist, name));
  const gz = gzipSync(raw, {level: 9}).length;
  total += gz;
  console.log(`${name}: ${raw.length} B, ${gz} B gzipped`);
}
console.log(`total: ${total} B gzipped (budget ${BUDGET_BYTES} B)`);
if (total > BUDGET_BYTES) {
  console.error(`bundle too large: ${total} B gzipped > ${BUDGET_BYTES} B`);
  process.exit(1);
}
