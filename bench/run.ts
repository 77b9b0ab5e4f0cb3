/**
 * Runs every bench/*.bench.ts in its own process, one after the other (the machine is small and
 * shared; concurrent benches would measure each other). Pass names to filter: `npm run bench -- sink`.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`${JSON.stringify({ bench: file, error: `exit ${r.status ?? r.signal}` })}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
