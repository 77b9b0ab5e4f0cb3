/**
 * The downstream path through the real gateway: simulator (WebSocket + REST history) -> VenueFeed
 * + integrity backfill -> pipeline `downstream-trades` consumer -> DownstreamServer -> a real
 * loopback client. A venue outage during which 100k trades happen is backfilled; the client
 * subscribed to trades.binance.BTCUSDT receives every trade of the ground truth once, in id order,
 * with no gap. Past the venue's history window, the declared hole reaches the client as an
 * upstream `gap` notice in order between the trades around it. Also: the gateway serves only its
 * configured venues/symbols to subscribers.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import type { UpstreamGapMessage } from '../../../src/server/protocol.js';
import { FAST_CONNECTION, tempDir, waitFor } from '../gateway/helpers.js';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { RawClient } from './helpers.js';

const SYMBOL = 'BTCUSDT';
const T = `trades.binance.${SYMBOL}`;

let sim: Simulator | undefined;
let gw: Gateway | undefined;
let client: TradesClient | undefined;
const tmp = tempDir('gw-downstream');

afterAll(() => tmp.remove());

afterEach(async () => {
  client?.close();
  client = undefined;
  await gw?.stop();
  gw = undefined;
  await sim?.close();
  sim = undefined;
});

async function start(historyTradesPerSymbol: number): Promise<{ sim: Simulator; gw: Gateway }> {
  sim = await startSimulator({ port: 0, seed: 7, rate: 0, symbols: [SYMBOL], venues: ['binance'], randomBursts: false, historyTradesPerSymbol });
  const base = `127.0.0.1:${sim.port}`;
  const config = loadConfig({
    env: {},
    cli: {
      ...FAST_CONNECTION,
      log: { level: 'silent' },
      marketHours: { skip: true },
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: [SYMBOL], streams: ['trade'] } },
      integrity: { retryDelayMs: 100, maxFetchAttempts: 20 },
      storage: { spoolDir: `${tmp.dir}/spool-${Date.now()}`, spoolFsync: 'never' },
      sinks: [`jsonl:${tmp.dir}/out-${Date.now()}.jsonl`],
      // A reading client's queue budget covers a whole 100k backfill burst on a loaded machine
      // (the default 16,384 messages / 4 MiB announces slow_consumer gaps past that instead).
      server: { port: 0, heartbeatIntervalMs: 300_000, maxQueueMessages: 250_000, maxQueueBytes: 128 * 1024 * 1024 },
    },
  }).config;
  gw = await startGateway(config);
  return { sim, gw };
}

const READER = fileURLToPath(new URL('./fixtures/trades-reader.mjs', import.meta.url));

interface ReaderStatus { last: number; count: number; others: { type: string; channel?: string; code?: string }[] }
interface ReaderDump { view: string[]; seqs: number[]; notices: UpstreamGapMessage[]; others: ReaderStatus['others'] }

/**
 * A real ws client in a child process (it reads at its own pace, like a real client, instead of
 * sharing the gateway's event loop), keeping the trades channel as it arrived: trade ids,
 * "upstream:<from>-<to>" for an upstream notice, "dropped:<from>-<to>" for a slow-consumer gap.
 */
class TradesClient {
  private readonly proc: ChildProcess;
  lastTradeId = -1;

  constructor(url: string) {
    this.proc = fork(READER, [url, T], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  private ask<R>(cmd: string): Promise<R> {
    return new Promise((resolve) => { this.proc.once('message', (r) => resolve(r as R)); this.proc.send({ cmd }); });
  }

  async status(): Promise<ReaderStatus> {
    const s = await this.ask<ReaderStatus>('status');
    this.lastTradeId = s.last;
    return s;
  }

  dump(): Promise<ReaderDump> { return this.ask<ReaderDump>('dump'); }

  close(): void { this.proc.kill(); }
}

async function subscribe(g: Gateway): Promise<TradesClient> {
  const c = new TradesClient(`${g.url!.replace(/^http/, 'ws')}/ws`);
  await waitFor(async () => (await c.status()).others.some((m) => m.type === 'subscribed'), 'subscribed', 15_000);
  return c;
}

/** Resolves once the reader's last trade id satisfies pred. */
async function delivered(c: TradesClient, pred: (lastId: number) => boolean, what: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => pred((await c.status()).last), what, timeoutMs, () => ({ last: c.lastTradeId }));
}

/** Equal sequences, in order; on a difference, shows where (a diff of 100k items would not fit in memory). */
function expectSameSequence(got: readonly (string | number)[], want: readonly (string | number)[]): void {
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  expect({ length: got.length, firstDifferenceAt: i, got: got.slice(Math.max(0, i - 2), i + 5) })
    .toEqual({ length: want.length, firstDifferenceAt: want.length, got: want.slice(Math.max(0, i - 2), i + 5) });
}

const lastTruthId = (s: Simulator): number => s.truth.lastTrade('binance', SYMBOL)?.id ?? -1;

/** Live trades reach the client, then the venue drops the socket and refuses reconnects while `trades` happen. */
async function outage(s: Simulator, c: TradesClient, trades: number): Promise<{ lastBefore: number; lastId: number }> {
  s.generate(300, { venue: 'binance', symbol: SYMBOL });
  await delivered(c, (id) => id === lastTruthId(s), 'live trades before the outage', 15_000);
  const lastBefore = lastTruthId(s);
  s.faults.inject({ kind: 'refuse', durationMs: 1_500 });
  s.faults.inject({ kind: 'close', venue: 'binance', code: 1006 });
  const h = s.generateHistory({ symbol: SYMBOL, trades });
  return { lastBefore, lastId: h.lastId };
}

describe('gateway downstream path', () => {
  it('a 100k-trade backfill reaches a subscribed client complete and in id order, with contiguous seqs and no gap', async () => {
    const { sim: s, gw: g } = await start(400_000);
    const c = client = await subscribe(g);
    const first = lastTruthId(s) + 1;
    const o = await outage(s, c, 100_000);
    // Live trades keep coming while the backfill runs.
    s.setRate(500);
    await delivered(c, (id) => id >= o.lastId, 'the backfilled range', 50_000);
    s.setRate(0);
    const end = lastTruthId(s);
    await delivered(c, (id) => id === end, 'every trade up to the newest', 20_000);

    const truth = s.truth.trades('binance', SYMBOL, { fromId: first }).map((t) => String(t.id));
    expect(truth.length).toBeGreaterThan(100_000);
    const got = await c.dump();
    expectSameSequence(got.view, truth);
    expectSameSequence(got.seqs, Array.from({ length: got.seqs.length }, (_, i) => got.seqs[0]! + i));
    if (process.env.DEBUG_DOWNSTREAM) console.log(JSON.stringify({ consumer: g.pipeline.stats().consumers['downstream-trades'], clients: g.server!.clients() }));
    const consumer = g.pipeline.stats().consumers['downstream-trades']!;
    expect(consumer.dropped.total).toBe(0);
    expect(g.server!.stats().drops).toBe(0);
  }, 90_000);

  it('past the history window the declared hole reaches the client as an upstream gap notice, in order between the trades around it', async () => {
    const { sim: s, gw: g } = await start(20_000);
    const c = client = await subscribe(g);
    const o = await outage(s, c, 50_000);
    await delivered(c, (id) => id >= o.lastId, 'the trades after the hole', 40_000);
    const got = await c.dump();
    const held = s.truth.trades('binance', SYMBOL).map((t) => t.id);
    const firstHeld = held[0]!;
    expect(firstHeld).toBeGreaterThan(o.lastBefore + 1);
    // The live trades before the outage (older than the venue's history window now): contiguous up to lastBefore.
    const first = Number(got.view[0]);
    expect(o.lastBefore - first).toBeGreaterThan(0);
    expect(o.lastBefore - first).toBeLessThan(1_000);
    const before = Array.from({ length: o.lastBefore - first + 1 }, (_, i) => String(first + i));
    expectSameSequence(got.view, [...before, `upstream:${o.lastBefore + 1}-${firstHeld - 1}`, ...held.map(String)]);
    expectSameSequence(got.seqs, Array.from({ length: got.seqs.length }, (_, i) => got.seqs[0]! + i));
    expect(got.notices).toHaveLength(1);
    const notice = got.notices[0]!;
    expect(notice).toMatchObject({ channel: T, source: 'trade', code: 'history_window_exceeded', fromTradeId: o.lastBefore + 1, toTradeId: firstHeld - 1 });
    expect(notice.detail.length).toBeGreaterThan(0);
  }, 90_000);

  it('serves subscribers only its configured venues and symbols', async () => {
    const { gw: g } = await start(1_000);
    const ws = new WebSocket(`${g.url!.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
    const c = new RawClient(ws);
    try {
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      c.send({ op: 'subscribe', channels: [T, 'trades.binance.NOPEUSDT', 'book.kraken.BTCUSDT', 'status'] });
      await c.waitFor((ms) => ms.filter((m) => m.type === 'subscribed' || m.type === 'error').length >= 4, 10_000, 'answers');
      expect(c.messages.filter((m) => m.type === 'subscribed').map((m) => m.channel).sort()).toEqual(['status', T].sort());
      expect(c.messages.filter((m) => m.type === 'error').map((m) => [(m as { code: string }).code, m.channel])).toEqual([
        ['channel_not_served', 'trades.binance.NOPEUSDT'], ['channel_not_served', 'book.kraken.BTCUSDT'],
      ]);
    } finally {
      c.close();
    }
  }, 60_000);
});
