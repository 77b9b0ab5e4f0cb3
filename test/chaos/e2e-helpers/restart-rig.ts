/**
 * The setup the restart tests share: a simulator (silent until the test sets a rate), a temp data
 * dir with the gateway's JSON config in it, and gateway child processes started from it, each
 * killed after its test if still running. Registers its own vitest hooks: call it inside describe,
 * after any beforeAll the config depends on (a proxy port, a schema).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { candleFromRow, snapshotFromRow } from '../../../src/sinks/rows.js';
import { tempDir, waitFor } from '../../integration/gateway/helpers.js';
import { GatewayChild } from './gateway-process.js';
import type { Row } from './truth-aggregates.js';

export interface RestartRigOptions {
  /** Temp dir prefix. */
  readonly name: string;
  readonly seed: number;
  readonly symbols: readonly string[];
  /** The gateway config input, built once the simulator listens. */
  readonly config: (at: { readonly simPort: number; readonly dir: string }) => Record<string, unknown>;
}

export interface RestartRig {
  readonly sim: Simulator;
  readonly dir: string;
  readonly configFile: string;
  /** The data dir's SQLite file. */
  db(): string;
  /** A gateway child on the config file, not yet awaited ready. */
  spawn(): GatewayChild;
  /** A gateway child on the config file, ready (/readyz 200). */
  start(): Promise<GatewayChild>;
  /** Truth trade count of every symbol: wait for trading progress instead of sleeping blind. */
  truthCount(): number;
  /** Lets the venue trade for ms, then waits until at least `atLeast` more trades were made. */
  trade(ms: number, atLeast: number): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function useRestartRig(o: RestartRigOptions): RestartRig {
  const tmp = tempDir(o.name);
  const configFile = join(tmp.dir, 'gateway.json');
  const children: GatewayChild[] = [];
  let sim: Simulator | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: o.seed, rate: 0, symbols: [...o.symbols], marketHours: 'always-open' });
    writeFileSync(configFile, JSON.stringify(o.config({ simPort: sim.port, dir: tmp.dir })));
  });
  afterEach(() => {
    for (const c of children) if (c.running()) c.proc.kill('SIGKILL');
  });
  afterAll(async () => {
    await sim?.close();
    tmp.remove();
  });

  const rig: RestartRig = {
    get sim(): Simulator {
      if (!sim) throw new Error('restart rig: simulator not started (used outside a test?)');
      return sim;
    },
    dir: tmp.dir,
    configFile,
    db: () => join(tmp.dir, 'tickgate.db'),
    spawn: () => {
      const g = new GatewayChild(configFile);
      children.push(g);
      return g;
    },
    start: async () => {
      const g = rig.spawn();
      await g.ready();
      return g;
    },
    truthCount: () => o.symbols.reduce((n, s) => n + rig.sim.truth.trades('binance', s).length, 0),
    trade: async (ms, atLeast) => {
      const before = rig.truthCount();
      await sleep(ms);
      await waitFor(() => rig.truthCount() > before + atLeast, 'the simulator traded');
    },
  };
  return rig;
}

/** Stored rows (snapshots, then time and tick candles) by natural key, as the sinks' upserts keep them. */
export function rowsByKey(snapshots: Iterable<Record<string, unknown>>, candles: Iterable<Record<string, unknown>>): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const r of snapshots) { const x = snapshotFromRow(r); rows.set(naturalKey(x), x); }
  for (const r of candles) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
  return rows;
}
