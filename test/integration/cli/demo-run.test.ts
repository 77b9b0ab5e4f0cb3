/** `tickgate demo` and `tickgate run` as real processes: URLs, readiness, SIGTERM, flushed data. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { startCli, runCli, type CliProcess } from './cli-helpers.js';
import { getJson, readSqlite, tempDir, waitFor, type SnapshotRow } from '../gateway/helpers.js';

const tmp = tempDir('cli-run');
let sim: Simulator | undefined;
let child: CliProcess | undefined;
afterEach(async () => {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  child = undefined;
  await sim?.close();
  sim = undefined;
});
afterAll(() => tmp.remove());

describe('demo and run', () => {
  it('demo --port 0 --duration 20 prints the dashboard URL, serves it, answers `tickgate status`, and exits 0', async () => {
    const data = join(tmp.dir, 'demo');
    child = startCli(['demo', '--port', '0', '--duration', '20', '--data', data, '--rate', '20']);
    const m = await child.waitForOutput(/dashboard:\s+(http:\/\/127\.0\.0\.1:(\d+)\/)/);
    expect(Number(m[2])).toBeGreaterThan(0);
    const page = await fetch(m[1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    // `tickgate status` against the running demo: readiness line and the connection table.
    const base = m[1]!.replace(/\/$/, '');
    await waitFor(async () => (await getJson(`${base}/readyz`)).status === 200, 'demo ready', 10_000);
    const st = await runCli(['status', '--url', base]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain(`gateway ${base}: READY`);
    for (const venue of ['binance', 'bybit', 'equities']) expect(st.stdout).toMatch(new RegExp(`${venue}\\S*\\s+${venue}\\s+connected\\s+true`));
    expect(st.stdout).toMatch(/sqlite\s+ok/);
    const r = await child.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/downstream: ws:\/\/127\.0\.0\.1:\d+\/ws/);
    const rows = readSqlite<{ n: number }>(join(data, 'tickgate.db'), 'SELECT count(*) AS n FROM snapshots')[0]!.n;
    expect(rows).toBeGreaterThan(0);
  }, 60_000);

  it('run from a config file serves /readyz, and SIGTERM exits 0 within the close timeout with every trade flushed to SQLite', async () => {
    sim = await startSimulator({ port: 0, rate: 0, seed: 3, symbols: ['BTCUSDT'], marketHours: 'always-open' });
    const base = `127.0.0.1:${sim.port}`;
    const db = join(tmp.dir, 'run.db');
    const closeTimeoutMs = 5_000;
    const file = join(tmp.dir, 'run.json');
    writeFileSync(file, JSON.stringify({
      log: { level: 'warn' },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: ['BTCUSDT'], streams: ['trade'] } },
      connection: { closeTimeoutMs, networkCheck: 'off' },
      storage: { spoolDir: join(tmp.dir, 'run-spool'), closeTimeoutMs },
      sinks: [`sqlite:${db}`],
      server: { port: 0 },
    }));
    child = startCli(['--config', file, 'run']);
    const url = (await child.waitForOutput(/tickgate running: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    await waitFor(async () => (await getJson(`${url}/readyz`)).status === 200, '/readyz 200', 20_000);

    sim.setRate(100);
    await waitFor(() => (sim!.truth.lastTrade('binance', 'BTCUSDT')?.id ?? 0) > 250, '250 binance trades', 20_000);
    sim.setRate(0);
    const truth = sim.truth.trades('binance', 'BTCUSDT');
    // The last trade went out a moment ago: its second is still an open window that only the stop flushes.
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    child.proc.kill('SIGTERM');
    const r = await child.result;
    const tookMs = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(tookMs).toBeLessThan(closeTimeoutMs);
    expect(r.stderr).toMatch(/SIGTERM, stopping/);

    const rows = readSqlite<SnapshotRow>(db, "SELECT * FROM snapshots WHERE venue = 'binance' AND symbol = 'BTCUSDT' ORDER BY start_time");
    const bySecond = new Map<number, number>();
    for (const t of truth) bySecond.set(Math.floor(t.timeMs / 1000) * 1000, (bySecond.get(Math.floor(t.timeMs / 1000) * 1000) ?? 0) + 1);
    const stored = new Map(rows.filter((x) => x.trade_count > 0).map((x) => [x.start_time, x.trade_count]));
    expect(stored).toEqual(bySecond);
    expect(rows.reduce((a, x) => a + x.trade_count, 0)).toBe(truth.length);
  }, 60_000);

  it('query on a missing database exits 1 with a message naming the file', async () => {
    const r = await runCli(['query', '--sqlite', join(tmp.dir, 'nope.db'), '--symbol', 'BTCUSDT']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.db');
  });
});
