/**
 * Sink specs as written in config and on the command line:
 *   sqlite:./tickgate.db[?trades=true&synchronous=FULL]
 *   jsonl:./out/[?trades=true&maxFileBytes=67108864&maxFileAgeMs=3600000]
 *   postgres://user[:pass]@127.0.0.1:5432/db[?schema=x&trades=true&sslmode=require]
 *   nats://127.0.0.1:4222[?stream=TICKGATE&prefix=tickgate&dupWindowMs=300000&trades=true]
 * Errors are ConfigError naming the bad part; passwords never appear in messages.
 */
import { DEFAULT_NATS_STREAM, DEFAULT_NATS_SUBJECT_PREFIX, DEFAULT_POSTGRES_SCHEMA } from '../config/defaults/sinks.js';
import { ConfigError } from '../model/errors.js';
import { redactUrl } from '../observability/logger.js';

export type SinkSpec =
  | { readonly kind: 'sqlite'; readonly path: string; readonly trades: boolean; readonly synchronous: 'NORMAL' | 'FULL' }
  | { readonly kind: 'jsonl'; readonly dir: string; readonly trades: boolean; readonly maxFileBytes?: number; readonly maxFileAgeMs?: number }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string; readonly trades: boolean }
  | { readonly kind: 'nats'; readonly servers: string; readonly stream: string; readonly subjectPrefix: string; readonly duplicateWindowMs?: number; readonly trades: boolean };

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const STREAM_RE = /^[A-Za-z0-9_-]{1,64}$/;
const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function bad(spec: string, message: string, part: string): never {
  throw new ConfigError(`sink spec "${safe(spec)}": ${message}`, { spec: safe(spec), part });
}

function safe(spec: string): string {
  return /^(postgres(ql)?|nats):\/\//.test(spec) ? redactUrl(spec) : spec;
}

function splitQuery(rest: string): [string, URLSearchParams] {
  const q = rest.indexOf('?');
  return q < 0 ? [rest, new URLSearchParams()] : [rest.slice(0, q), new URLSearchParams(rest.slice(q + 1))];
}

function checkKeys(spec: string, params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) bad(spec, `unknown option "${key}" (allowed: ${allowed.join(', ')})`, key);
  }
}

function bool(spec: string, params: URLSearchParams, key: string): boolean {
  const v = params.get(key);
  if (v === null) return false;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return bad(spec, `option "${key}" must be true or false, got "${v}"`, key);
}

function positiveInt(spec: string, params: URLSearchParams, key: string): number | undefined {
  const v = params.get(key);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) bad(spec, `option "${key}" must be a positive integer, got "${v}"`, key);
  return n;
}

export function parseSinkSpec(spec: string): SinkSpec {
  const text = spec.trim();
  const scheme = /^([a-z]+):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) bad(text, 'missing kind: expected sqlite:, jsonl:, postgres:// or nats://', 'kind');
  if (scheme === 'sqlite') {
    const [path, params] = splitQuery(text.slice('sqlite:'.length));
    if (path.length === 0) bad(text, 'missing database path after "sqlite:"', 'path');
    checkKeys(text, params, ['trades', 'synchronous']);
    const sync = (params.get('synchronous') ?? 'NORMAL').toUpperCase();
    if (sync !== 'NORMAL' && sync !== 'FULL') bad(text, `option "synchronous" must be NORMAL or FULL, got "${params.get('synchronous')}"`, 'synchronous');
    return { kind: 'sqlite', path, trades: bool(text, params, 'trades'), synchronous: sync };
  }
  if (scheme === 'jsonl') {
    const [dir, params] = splitQuery(text.slice('jsonl:'.length));
    if (dir.length === 0) bad(text, 'missing directory after "jsonl:"', 'dir');
    checkKeys(text, params, ['trades', 'maxFileBytes', 'maxFileAgeMs']);
    return { kind: 'jsonl', dir, trades: bool(text, params, 'trades'), maxFileBytes: positiveInt(text, params, 'maxFileBytes'), maxFileAgeMs: positiveInt(text, params, 'maxFileAgeMs') };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const url = parseUrl(text);
    if (url.hostname.length === 0) bad(text, 'missing host', 'host');
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (database.length === 0 || database.includes('/')) bad(text, `missing or bad database name "${database}" (expected /dbname)`, 'database');
    checkKeys(text, url.searchParams, ['schema', 'trades', 'sslmode']);
    const schema = url.searchParams.get('schema') ?? DEFAULT_POSTGRES_SCHEMA;
    if (!IDENT_RE.test(schema)) bad(text, `schema "${schema}" must be a plain identifier (letters, digits, _; not starting with a digit)`, 'schema');
    const trades = bool(text, url.searchParams, 'trades');
    const conn = new URL(url.toString());
    conn.searchParams.delete('schema');
    conn.searchParams.delete('trades');
    return { kind: 'postgres', url: conn.toString(), schema, trades };
  }
  if (scheme === 'nats') {
    const url = parseUrl(text);
    if (url.hostname.length === 0) bad(text, 'missing host', 'host');
    if (url.pathname.length > 1) bad(text, `unexpected path "${url.pathname}" (options go in ?stream=...)`, 'path');
    checkKeys(text, url.searchParams, ['stream', 'prefix', 'dupWindowMs', 'trades']);
    const stream = url.searchParams.get('stream') ?? DEFAULT_NATS_STREAM;
    if (!STREAM_RE.test(stream)) bad(text, `stream name "${stream}" must be 1-64 of A-Z a-z 0-9 _ -`, 'stream');
    const prefix = url.searchParams.get('prefix') ?? DEFAULT_NATS_SUBJECT_PREFIX;
    if (!PREFIX_RE.test(prefix)) bad(text, `subject prefix "${prefix}" must be dot-separated tokens of A-Z a-z 0-9 _ -`, 'prefix');
    const servers = `nats://${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${url.host}`;
    return {
      kind: 'nats', servers, stream, subjectPrefix: prefix,
      duplicateWindowMs: positiveInt(text, url.searchParams, 'dupWindowMs'), trades: bool(text, url.searchParams, 'trades'),
    };
  }
  return bad(text, `unknown sink kind "${scheme}" (expected sqlite, jsonl, postgres or nats)`, 'kind');
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    return bad(text, 'not a valid URL', 'url');
  }
}

/** A label for logs/metrics: kind plus a non-secret target (never the password). */
export function describeSinkSpec(s: SinkSpec): string {
  switch (s.kind) {
    case 'sqlite': return `sqlite:${s.path}`;
    case 'jsonl': return `jsonl:${s.dir}`;
    case 'postgres': return `${redactUrl(s.url)} schema=${s.schema}`;
    case 'nats': return `${redactUrl(s.servers)} stream=${s.stream}`;
  }
}
