/**
 * Loads the effective config: schema defaults < profile < file (YAML or JSON) < env < cli.
 * Every error names the key, the value, where it came from, and what was expected.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../model/errors.js';
import { envLayers } from './env.js';
import { PROFILES, type ProfileName } from './profiles.js';
import { configSchema, type TickgateConfig } from './schema.js';
import {
  deepMerge, getPath, isPlainObject, leafPaths, trackSources,
  type ConfigSource, type Layer, type PlainObject,
} from './layers.js';

export interface LoadOptions {
  /** Path of a YAML (.yaml/.yml) or JSON file. */
  readonly file?: string | undefined;
  /** Environment to read (process.env by the CLI; tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Profile; else the file's or env's `profile`, else development. */
  readonly profile?: string | undefined;
  /** Values from command-line flags, as a nested object. */
  readonly cli?: PlainObject;
}

export interface LoadedConfig {
  readonly config: TickgateConfig;
  /** Where each leaf came from ("default" when no layer set it). */
  readonly sources: ReadonlyMap<string, { source: ConfigSource; origin: string }>;
}

function readFileLayer(file: string): Layer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { file });
  }
  let values: unknown;
  try {
    values = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { file });
  }
  if (values == null) values = {};
  if (!isPlainObject(values)) throw new ConfigError(`config file ${file} must hold an object at the top level`, { file });
  return { source: 'file', origin: file, values };
}

function formatIssues(issues: readonly z.core.$ZodIssue[], merged: PlainObject, sources: LoadedConfig['sources']): string {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (path ? `${path}.${k}` : k)) : [path || '(root)'];
    if (issue.code === 'unrecognized_keys') {
      return keys.map((k) => `  ${k}: unknown key${originOf(k, sources)}`).join('\n');
    }
    const value = getPath(merged, issue.path);
    const shown = value === undefined ? '(missing)' : JSON.stringify(value);
    return `  ${keys[0]} = ${shown}${originOf(keys[0]!, sources)}: ${issue.message}`;
  }).join('\n');
}

function originOf(path: string, sources: LoadedConfig['sources']): string {
  const s = sources.get(path);
  return s ? ` (from ${s.source}${s.origin !== s.source ? ` ${s.origin}` : ''})` : '';
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? {};
  const layers: Layer[] = [];
  const fileLayer = opts.file ? readFileLayer(opts.file) : null;
  const profile = String(opts.profile ?? env.TICKGATE_PROFILE ?? fileLayer?.values.profile ?? 'development');
  if (!(profile in PROFILES)) {
    throw new ConfigError(`profile "${profile}" is unknown: expected one of ${Object.keys(PROFILES).join(', ')}`, { key: 'profile', value: profile });
  }
  layers.push({ source: 'profile', origin: profile, values: { ...PROFILES[profile as ProfileName], profile } });
  if (fileLayer) layers.push(fileLayer);
  layers.push(...envLayers(env));
  if (opts.cli && Object.keys(opts.cli).length > 0) layers.push({ source: 'cli', origin: 'command line', values: opts.cli });

  const merged = layers.reduce<PlainObject>((acc, l) => deepMerge(acc, l.values), {});
  merged.profile = profile;
  const sources = trackSources(layers);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(`invalid config:\n${formatIssues(parsed.error.issues, merged, sources)}`, { profile });
  }
  const all = new Map(sources);
  for (const p of leafPaths(parsed.data as unknown as PlainObject)) if (!all.has(p)) all.set(p, { source: 'default', origin: 'default' });
  return { config: parsed.data, sources: all };
}

const SECRET_KEY = /token|apikey|secret|password/i;

/** `tickgate config print`: one line per leaf with its value and source; secrets masked. */
export function formatConfig(loaded: LoadedConfig): string {
  const lines: string[] = [];
  for (const path of leafPaths(loaded.config as unknown as PlainObject).sort()) {
    const value = getPath(loaded.config, path.split('.'));
    const masked = SECRET_KEY.test(path) && value !== null ? '"***"' : JSON.stringify(value);
    const s = loaded.sources.get(path) ?? { source: 'default', origin: 'default' };
    lines.push(`${path} = ${masked}  # ${s.source}${s.origin !== s.source ? ` (${s.origin})` : ''}`);
  }
  return lines.join('\n');
}
