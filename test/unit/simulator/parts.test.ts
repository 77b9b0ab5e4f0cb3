import { afterEach, describe, expect, it, vi } from 'vitest';
import * as wsModule from 'ws';
import { Generator, GroundTruth, isUsMarketOpen, parseRecordedLine, wsTextFrame } from '../../../simulator/index.js';

interface FrameReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', cb: (data: Buffer) => void): void;
}
// ws ships its frame parser (Receiver) at runtime; @types/ws does not declare it.
const Receiver = (wsModule as unknown as { Receiver: new (opts: { isServer: boolean }) => FrameReceiver }).Receiver;

describe('wsTextFrame', () => {
  it('produces frames a ws Receiver decodes, for 7-bit, 16-bit and 64-bit lengths', async () => {
    const texts = ['hi', 'x'.repeat(300), 'y'.repeat(70_000)];
    const got: string[] = [];
    const r = new Receiver({ isServer: false });
    r.on('message', (data: Buffer) => got.push(data.toString()));
    for (const t of texts) r.write(wsTextFrame(t));
    await new Promise((res) => setImmediate(res));
    expect(got).toEqual(texts);
  });
});

describe('isUsMarketOpen', () => {
  it('is open 09:30-16:00 New York on weekdays, across DST', () => {
    expect(isUsMarketOpen(Date.parse('2026-11-23T14:30:00Z'))).toBe(true); // Mon 09:30 EST
    expect(isUsMarketOpen(Date.parse('2026-11-23T14:29:00Z'))).toBe(false);
    expect(isUsMarketOpen(Date.parse('2026-11-23T20:59:00Z'))).toBe(true); // 15:59 EST
    expect(isUsMarketOpen(Date.parse('2026-11-23T21:00:00Z'))).toBe(false);
    expect(isUsMarketOpen(Date.parse('2026-07-06T13:30:00Z'))).toBe(true); // Mon 09:30 EDT
    expect(isUsMarketOpen(Date.parse('2026-07-06T13:29:00Z'))).toBe(false);
    expect(isUsMarketOpen(Date.parse('2026-11-21T15:00:00Z'))).toBe(false); // Saturday
  });
});

describe('parseRecordedLine', () => {
  it('splits time, stream and data; rejects other lines', () => {
    const f = parseRecordedLine('1723161254087 {"stream":"btcusdt@trade","data":{"e":"trade","t":1}}');
    expect(f).toEqual({ receivedMs: 1723161254087, raw: '{"stream":"btcusdt@trade","data":{"e":"trade","t":1}}', stream: 'btcusdt@trade', data: '{"e":"trade","t":1}' });
    expect(parseRecordedLine('garbage')).toBeNull();
    expect(parseRecordedLine('123 {"e":"trade"}')).toBeNull();
  });
});

describe('GroundTruth', () => {
  it('keeps a bounded ring per symbol and answers id ranges', () => {
    const g = new GroundTruth(100);
    for (let i = 1; i <= 1000; i++) g.recordTrade('binance', 'BTCUSDT', { id: i, aggId: i, price: '1', qty: '1', timeMs: i, buyerMaker: false, published: 1 });
    const all = g.trades('binance', 'BTCUSDT');
    expect(all.length).toBeLessThanOrEqual(125);
    expect(all[all.length - 1]?.id).toBe(1000);
    expect(g.trades('binance', 'btcusdt', { fromId: 990, toId: 992 }).map((t) => t.id)).toEqual([990, 991, 992]);
    expect(g.trades('bybit', 'BTCUSDT')).toEqual([]);
  });
});

describe('Generator', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs about rate events per second in ticks and flushes after each batch', () => {
    vi.useFakeTimers();
    let steps = 0;
    let flushes = 0;
    const g = new Generator({ seed: 1, rate: 1000, tickMs: 10, now: () => Date.now(), afterBatch: () => flushes++ });
    g.addLane({ venue: 'v', symbol: 'A', step: () => steps++ });
    g.addLane({ venue: 'v', symbol: 'B', step: () => steps++ });
    g.start();
    vi.advanceTimersByTime(2000);
    g.stop();
    // Bursts can multiply the rate for a while; without one it is exactly 2000.
    expect(steps).toBeGreaterThanOrEqual(1990);
    expect(steps).toBeLessThanOrEqual(2000 + 10 * 1000 * 1.5);
    if (g.stats().bursts === 0) expect(steps).toBeLessThanOrEqual(2000);
    expect(flushes).toBeGreaterThan(150);
  });

  it('late ticks make up their elapsed time (capped at 1 s a tick): events = rate * pacedMs / 1000 however irregular the ticks', () => {
    vi.useFakeTimers();
    let clock = 0;
    let steps = 0;
    const g = new Generator({ seed: 1, rate: 1000, tickMs: 10, now: () => clock, afterBatch: () => undefined, randomBursts: false });
    g.addLane({ venue: 'v', symbol: 'A', step: () => steps++ });
    g.start();
    // What each tick finds elapsed: on time, late (a loaded machine), and one stall past the cap.
    const gaps = [10, 10, 250, 10, 37, 600, 1_500, 10, 10, 95];
    for (const gap of gaps) {
      clock += gap;
      vi.advanceTimersByTime(10);
    }
    g.stop();
    const paced = gaps.reduce((a, x) => a + Math.min(1_000, x), 0);
    expect(g.stats().pacedMs).toBe(paced);
    expect(steps).toBe(Math.floor((1000 * paced) / 1000));
    expect(g.stats().events).toBe(steps);
  });

  it('rate 0 generates nothing until generate() is called', () => {
    vi.useFakeTimers();
    let steps = 0;
    const g = new Generator({ seed: 1, rate: 0, tickMs: 10, now: () => Date.now(), afterBatch: () => undefined });
    g.addLane({ venue: 'v', symbol: 'A', step: () => steps++ });
    g.start();
    vi.advanceTimersByTime(1000);
    expect(steps).toBe(0);
    g.generate(5, { symbol: 'a' });
    expect(steps).toBe(5);
    g.stop();
  });
});
