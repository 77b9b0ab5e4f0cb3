/** Shared helpers for the gateway integration tests: temp dirs, polling, HTTP, metrics parsing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PlainObject } from '../../../src/config/layers.js';

/** Short connection timeouts so upstream faults show within a few seconds (with margin for a loaded machine). */
export const FAST_CONNECTION: PlainObject = {
  connection: {
    connectTimeoutMs: 2_000, handshakeTimeoutMs: 2_500, pingTimeoutMs: 1_500, heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 3_000, staleAfterMs: 5_000, closeTimeoutMs: 3_000,
    reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 500, breakerFailureThreshold: 50, breakerRecoveryMs: 1_000,
    networkCheck: 'off',
  },
};

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tickgate-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls cond() every 50 ms until it is truthy; throws naming what was awaited (and the last state). */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 15_000, describe?: () => unknown): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `: ${JSON.stringify(describe())}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: r.status, body: (await r.json()) as T };
}

export interface MetricSample { name: string; labels: Record<string, string>; value: number }

/** Parses Prometheus text exposition (enough for tickgate's own series). */
export function parseMetrics(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function metric(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

export interface SnapshotRow { venue: string; symbol: string; start_time: number; trade_count: number; revision: number; close: string; volume: string }

export function readSqlite<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
