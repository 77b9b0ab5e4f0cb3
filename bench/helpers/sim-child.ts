/**
 * The simulator (or the bare ws baseline) in a child process, so the load generator and the
 * measured side do not share one event loop; admin calls over HTTP. Both still share the
 * machine's cores with whatever is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SIM_MAIN = fileURLToPath(new URL('../../simulator/main.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-ws-server.ts', import.meta.url));

export interface Child {
  readonly port: number;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

async function startChild(file: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A bench that crashes must not leave its load generator running.
  const reap = (): void => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', reap);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => {
    reap();
    process.exit(130);
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    proc.once('exit', (c) => reject(new Error(`${file} exited ${c}`)));
  });
  return {
    port, proc,
    stop: () => new Promise<void>((r) => {
      if (proc.exitCode !== null) return r();
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    }),
  };
}

export interface SimChildOptions {
  readonly symbols: readonly string[];
  readonly venues?: string;
  readonly maxStreams?: number;
  readonly historyTradesPerSymbol?: number;
  readonly seed?: number;
  readonly weightLimitPerMin?: number;
}

export function startSimChild(o: SimChildOptions): Promise<Child> {
  return startChild(SIM_MAIN, [
    '--port', '0', '--seed', String(o.seed ?? 1), '--rate', '0', '--symbols', o.symbols.join(','), '--market-hours', 'always-open',
    '--random-bursts', 'off', '--venues', o.venues ?? 'binance',
    ...(o.maxStreams !== undefined ? ['--max-streams', String(o.maxStreams)] : []),
    ...(o.weightLimitPerMin !== undefined ? ['--weight-limit-per-min', String(o.weightLimitPerMin)] : []),
    ...(o.historyTradesPerSymbol !== undefined ? ['--history-trades-per-symbol', String(o.historyTradesPerSymbol)] : []),
  ]);
}

export function startBareWsChild(): Promise<Child> {
  return startChild(BARE, []);
}

export async function admin<T = unknown>(port: number, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${port}/admin/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (!r.ok) throw new Error(`admin ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export const setRate = (port: number, rate: number): Promise<unknown> => admin(port, 'generate', { count: 0, rate });

export interface SimStats {
  atMs: number;
  generator: { events: number; rate: number };
  hubs: Record<string, { framesQueued: number; bytesWritten: number; slowConsumersDropped: number; clients: number }>;
  truth: { trades: number; bytes: number };
}

export const simStats = (port: number): Promise<SimStats> => admin<SimStats>(port, 'stats');

/** `n` symbols that look like Binance pairs (SYM0USDT...). */
export function manySymbols(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `S${i}USDT`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
