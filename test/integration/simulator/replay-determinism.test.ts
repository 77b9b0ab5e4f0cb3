import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRecordedLines, startSimulator, type Simulator } from '../../../simulator/index.js';
import { record, type Recorder } from './helpers.js';
import { BINANCE_FRAMES } from '../../helpers/recorded-data.js';

const REAL = BINANCE_FRAMES;

describe('simulator: replay of recorded frames', () => {
  let sim: Simulator | null = null;
  const clients: Recorder[] = [];
  let dir: string | null = null;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.close();
    sim = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('replays the real recorded file at max speed: every frame, byte for byte, in order', async () => {
    const expected: string[] = [];
    for await (const line of openRecordedLines(REAL)) if (line.length > 0) expected.push(line.slice(line.indexOf(' ') + 1));
    sim = await startSimulator({ rate: 0, symbols: ['BTCUSDT'] });
    const c = await record(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms`);
    clients.push(c);
    const result = await sim.replay({ file: REAL, speed: 'max' });
    expect(result.frames).toBe(expected.length);
    expect(result.frames).toBe(41_248);
    await c.until((t) => t.length >= expected.length, 20_000);
    expect(c.texts.length).toBe(expected.length);
    let mismatch = -1;
    for (let i = 0; i < expected.length; i++) {
      if (c.texts[i] !== expected[i]) {
        mismatch = i;
        break;
      }
    }
    expect(mismatch).toBe(-1);
  }, 60_000);

  it('honours the recorded pace at Nx speed and serves the data part on /ws/<stream>', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickgate-sim-replay-'));
    const file = join(dir, 'frames.txt');
    const base = 1_723_161_253_937;
    const lines = [0, 100, 200, 300].map((dt, i) => `${base + dt} {"stream":"btcusdt@trade","data":{"e":"trade","E":${base + dt},"s":"BTCUSDT","t":${1000 + i},"p":"61837.63000000","q":"0.02000000","T":${base + dt},"m":true,"M":true}}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    sim = await startSimulator({ rate: 0, symbols: ['BTCUSDT'] });
    const raw = await record(`${sim.urls.binanceWs}/btcusdt@trade`);
    clients.push(raw);
    const r2 = await sim.replay({ file, speed: 2 });
    expect(r2.frames).toBe(4);
    expect(r2.durationMs).toBeGreaterThanOrEqual(130);
    expect(r2.durationMs).toBeLessThan(290);
    await raw.until((t) => t.length >= 4);
    expect(raw.texts.map((t) => (JSON.parse(t) as { t: number }).t)).toEqual([1000, 1001, 1002, 1003]);
    expect(raw.texts[0]?.startsWith('{"e":"trade"')).toBe(true);
    const r1 = await sim.replay({ file, speed: 1 });
    expect(r1.durationMs).toBeGreaterThanOrEqual(280);
  });
});

describe('simulator: live generator', () => {
  it('at a configured rate, frames flow without any manual step and close() leaves no timer behind', async () => {
    const sim = await startSimulator({ rate: 3000, symbols: ['BTCUSDT'] });
    const c = await record(`${sim.urls.binanceStream}?streams=btcusdt@trade/btcusdt@depth@100ms`);
    try {
      await c.until((t) => t.some((x) => x.includes('@trade"')) && t.some((x) => x.includes('@depth@100ms"')), 5000);
      expect(sim.stats().generator.events).toBeGreaterThan(0);
    } finally {
      c.close();
      await sim.close();
    }
    const events = sim.stats().generator.events;
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.stats().generator.events).toBe(events);
  });
});

describe('simulator: determinism', () => {
  const sims: Simulator[] = [];
  afterEach(async () => {
    for (const s of sims.splice(0)) await s.close();
  });

  const run = async (seed: number): Promise<string[]> => {
    const sim = await startSimulator({ rate: 0, seed, symbols: ['BTCUSDT', 'ETHUSDT', 'AAPL'], marketHours: 'always-open' });
    sims.push(sim);
    sim.generate(2000);
    return [
      ...sim.truth.trades('binance', 'BTCUSDT').map((t) => `${t.id} ${t.price} ${t.qty} ${String(t.buyerMaker)}`),
      ...sim.truth.trades('bybit', 'ETHUSDT').map((t) => `${t.id} ${t.price} ${t.qty}`),
      ...sim.truth.trades('equities', 'AAPL').map((t) => `${t.price} ${t.qty}`),
      JSON.stringify(sim.truth.book('binance', 'BTCUSDT')),
    ];
  };

  it('the same seed produces the same trades and books; another seed does not', async () => {
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
