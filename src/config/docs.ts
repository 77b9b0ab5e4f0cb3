/** The options table of the README, generated from the defaults so it never drifts. */
import { ENV_SHORTCUTS, SEED_ENV_SECONDS } from './env.js';
import { isPlainObject, leafPaths, getPath, type PlainObject } from './layers.js';
import type { TickgateConfig } from './schema.js';

function unitOf(path: string): string {
  if (/Ms$/.test(path) || /MsList$/.test(path)) return 'ms';
  if (/Bytes$/.test(path)) return 'bytes';
  if (/PerSec(ond)?$|PerS$/.test(path)) return 'per second';
  if (/Items$|Records$|Messages$|Frames$|Tasks$|Trades$|Pages$|Channels$|Streams$|Connections$|Entries$/.test(path)) return 'count';
  if (/PerMinute$/.test(path)) return 'per minute';
  return '';
}

function typeOf(v: unknown): string {
  if (v === null) return 'nullable';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

export function configTable(defaults: TickgateConfig): string {
  const env = new Map<string, string[]>();
  for (const [name, path] of Object.entries(ENV_SHORTCUTS)) env.set(path, [...(env.get(path) ?? []), name]);
  for (const [name, path] of Object.entries(SEED_ENV_SECONDS)) env.set(path, [...(env.get(path) ?? []), `${name} (s)`]);
  const rows = ['| option | type | unit | default | env |', '| --- | --- | --- | --- | --- |'];
  for (const path of leafPaths(defaults as unknown as PlainObject)) {
    const v = getPath(defaults, path.split('.'));
    if (isPlainObject(v)) continue;
    rows.push(`| \`${path}\` | ${typeOf(v)} | ${typeof v === 'boolean' ? '' : unitOf(path)} | \`${JSON.stringify(v)}\` | ${(env.get(path) ?? []).map((e) => `\`${e}\``).join(', ')} |`);
  }
  return rows.join('\n');
}
