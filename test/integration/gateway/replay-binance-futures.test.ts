/**
 * `replay --venue binance-futures` on a USD-M recording made here from the simulator (no real
 * USD-M recording is at hand): frames of @trade, @depth@100ms (with pu) and @bookTicker taken off
 * the simulator's combined stream, plus a /fapi/v1/depth snapshot taken after the first frames, as
 * a recorder would. Replayed with USD-M book rules the snapshot-started book reports 0 gaps and 0
 * resyncs; every recorded trade is aggregated and the stored 1 s snapshots hold them all.
 *
 * The expected counts and aggregates are read back from the written file (its own ground truth),
 * not from what the socket handler counted: frames keep arriving between ws.close() and the close
 * handshake, so on a loaded machine a handler's counter runs ahead of the file it wrote.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { replayRecording } from '../../../src/gateway/replay.js';
import { ConfigError } from '../../../src/model/errors.js';
import type { Trade } from '../../../src/model/events.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { refOhlcv, type RefOhlcv } from '../../unit/aggregate/reference.js';
import { readSqlite, tempDir, waitFor } from './helpers.js';
import { runCli } from '../cli/cli-helpers.js';

const tmp = tempDir('replay-usdm');
let sim: Simulator;
const FRAMES = join(tmp.dir, 'btcusdt-usdm-sim.frames');
const SNAPSHOT = join(tmp.dir, 'btcusdt-usdm-sim.depth-snapshot.json');

/** What the written recording holds, parsed from the file's own lines (`<receive ms> <raw frame>`). */
interface RecordingTruth {
  readonly frames: number;
  readonly depthFrames: number;
  /** Trades in file order, as the decoder would read them (independently parsed here). */
  readonly trades: readonly Trade[];
}
let truth: RecordingTruth;

function readRecordingTruth(file: string): RecordingTruth {
  const text = readFileSync(file, 'utf8');
  // A last line without its newline would be a recording cut mid-write.
  expect(text.endsWith('\n'), 'recording ends on a whole line').toBe(true);
  const lines = text.slice(0, -1).split('\n');
  let depthFrames = 0;
  const trades: Trade[] = [];
  for (const [i, line] of lines.entries()) {
    const sp = line.indexOf(' ');
    expect(sp > 0 && Number.isSafeInteger(Number(line.slice(0, sp))), `line ${i + 1} starts with a receive time`).toBe(true);
    const d = (JSON.parse(line.slice(sp + 1)) as { data: { e?: string; t?: number; p?: string; q?: string; T?: number; m?: boolean } }).data;
    if (d.e === 'depthUpdate') depthFrames++;
    if (d.e !== 'trade') continue;
    trades.push({
      type: 'trade', venue: 'binance-futures', symbol: 'BTCUSDT', tradeId: String(d.t), seq: d.t!, price: d.p!, size: d.q!,
      side: d.m ? 'sell' : 'buy', source: 'trade', eventTime: d.T!, receiveTime: Number(line.slice(0, sp)),
    });
  }
  return { frames: lines.length, depthFrames, trades };
}

type Fields = Omit<RefOhlcv, 'vwap'>;

/** Per 1 s window of the trades' venue time: the reference OHLC, volumes, count, first/last id. */
function truthSeconds(trades: readonly Trade[]): Map<number, Fields> {
  const groups = new Map<number, Trade[]>();
  for (const t of trades) {
    const start = t.eventTime - (t.eventTime % 1000);
    const g = groups.get(start);
    if (g) g.push(t); else groups.set(start, [t]);
  }
  return new Map([...groups].map(([k, g]) => {
    const { vwap: _v, ...rest } = refOhlcv([...g].sort((a, b) => a.eventTime - b.eventTime || a.seq! - b.seq!));
    return [k, rest];
  }));
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 12, rate: 200, symbols: ['BTCUSDT'], marketHours: 'always-open' });
  const lines: string[] = [];
  // Progress counters only (when to take the snapshot, when to stop); the truth is the file.
  let trades = 0, depthFrames = 0, recording = true;
  const ws = new WebSocket(`${sim.urls.binanceFuturesStream}?streams=btcusdt@trade/btcusdt@depth@100ms/btcusdt@bookTicker`);
  ws.on('message', (data) => {
    if (!recording) return;
    const text = data.toString();
    lines.push(`${Date.now()} ${text}`);
    const e = (JSON.parse(text) as { data: { e?: string } }).data.e;
    if (e === 'trade') trades++;
    if (e === 'depthUpdate') depthFrames++;
  });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  await waitFor(() => depthFrames >= 3, 'first depth frames');
  // The snapshot is taken while the stream runs, as Binance's "how to manage a local book" says.
  const res = await fetch(`${sim.urls.binanceFuturesRest}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`);
  const receivedAtMs = Date.now();
  writeFileSync(SNAPSHOT, JSON.stringify({ receivedAtMs, request: 'GET /fapi/v1/depth?symbol=BTCUSDT&limit=1000', body: await res.json() }));
  await waitFor(() => depthFrames >= 40 && trades >= 400, 'a few seconds of frames', 20_000);
  recording = false;
  ws.close();
  writeFileSync(FRAMES, `${lines.join('\n')}\n`);
  truth = readRecordingTruth(FRAMES);
}, 40_000);

afterAll(async () => {
  await sim?.close();
  tmp.remove();
});

describe('replay --venue binance-futures', () => {
  it('replays the USD-M recording from its snapshot with 0 gaps and 0 resyncs; every trade aggregated and stored', async () => {
    // The recording itself is whole: contiguous trade ids (ground truth for the counts below).
    const ids = truth.trades.map((t) => t.seq!);
    expect(ids.length).toBeGreaterThanOrEqual(400);
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1), 'recorded trade ids contiguous').toBe(true);
    const db = join(tmp.dir, 'usdm.db');
    const s = await replayRecording({ file: FRAMES, venue: 'binance-futures', snapshotFile: SNAPSHOT, sinks: [`sqlite:${db}`], aggregate: { skipMarketHours: true } });
    expect(s).toMatchObject({ frames: truth.frames, malformed: 0, skippedLines: 0, gapsDetected: 0, bookResyncs: 0, trades: ids.length });
    // Stored 1 s snapshots (latest revision per second) against the file's trades, second by second.
    const rows = readSqlite<{ venue: string; start_time: number; open: string; high: string; low: string; close: string; volume: string; notional: string; trade_count: number; buy_volume: string; sell_volume: string; first_trade_id: string | null; last_trade_id: string | null }>(db, 'SELECT * FROM snapshots s1 WHERE revision = (SELECT MAX(revision) FROM snapshots s2 WHERE s2.venue = s1.venue AND s2.symbol = s1.symbol AND s2.start_time = s1.start_time) ORDER BY start_time');
    expect(new Set(rows.map((r) => r.venue))).toEqual(new Set(['binance-futures']));
    const stored = new Map(rows.filter((r) => r.trade_count > 0).map((r) => [r.start_time, {
      open: normalizeDecimal(r.open), high: normalizeDecimal(r.high), low: normalizeDecimal(r.low), close: normalizeDecimal(r.close),
      volume: normalizeDecimal(r.volume), notional: normalizeDecimal(r.notional), tradeCount: r.trade_count,
      buyVolume: normalizeDecimal(r.buy_volume), sellVolume: normalizeDecimal(r.sell_volume), firstTradeId: r.first_trade_id, lastTradeId: r.last_trade_id,
    } satisfies Fields]));
    expect(stored).toEqual(truthSeconds(truth.trades));
    const seconds = [...stored.values()];
    expect([seconds[0]!.firstTradeId, seconds.at(-1)!.lastTradeId]).toEqual([String(ids[0]), String(ids.at(-1))]);
    // Control: the same recording with one depth frame cut out breaks the pu chain and is
    // reported, so the 0 above comes from the rule being checked, not from a book never built.
    const lines = readFileSync(FRAMES, 'utf8').split('\n');
    expect(truth.depthFrames).toBeGreaterThanOrEqual(40);
    const depthAt = lines.map((l, i) => (l.includes('"e":"depthUpdate"') ? i : -1)).filter((i) => i >= 0);
    const cut = join(tmp.dir, 'cut.frames');
    writeFileSync(cut, lines.filter((_, i) => i !== depthAt[20]).join('\n'));
    const broken = await replayRecording({ file: cut, venue: 'binance-futures', snapshotFile: SNAPSHOT, aggregate: { skipMarketHours: true } });
    console.log(`usdm replay: ${JSON.stringify({ frames: s.frames, trades: s.trades, gaps: s.gapsDetected, resyncs: s.bookResyncs })}; one depth frame cut: gaps ${broken.gapsDetected}, resyncs ${broken.bookResyncs}`);
    expect(broken.gapsDetected).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('USD-M INSURANCE_FUND / ADL / NA trades pass integrity (ids stay contiguous) but only MARKET trades count in candles', async () => {
    // Ids 100..112, every second one a non-MARKET kind; ground truth computed here.
    const kinds = ['MARKET', 'INSURANCE_FUND', 'MARKET', 'ADL', 'MARKET', 'NA'];
    const t0 = 1_700_000_000_000;
    const frames: string[] = [];
    const want = { n: 0, volumeUnits: 0 };
    for (let i = 0; i < 12; i++) {
      const x = kinds[i % kinds.length]!;
      const q = i + 1; // size i+1 (units of 0.001)
      if (x === 'MARKET') { want.n++; want.volumeUnits += q; }
      const data = `{"e":"trade","E":${t0 + i * 100},"T":${t0 + i * 100},"s":"BTCUSDT","t":${100 + i},"p":"50000.0","q":"${(q / 1000).toFixed(3)}","X":"${x}","m":false}`;
      frames.push(`${t0 + i * 100 + 5} {"stream":"btcusdt@trade","data":${data}}`);
    }
    frames.push(`${t0 + 3_000} {"stream":"btcusdt@trade","data":{"e":"trade","E":${t0 + 3_000},"T":${t0 + 3_000},"s":"BTCUSDT","t":112,"p":"50000.0","q":"0.001","X":"MARKET","m":false}}`);
    want.n++; want.volumeUnits += 1;
    const file = join(tmp.dir, 'kinds.frames');
    writeFileSync(file, `${frames.join('\n')}\n`);
    const db = join(tmp.dir, 'kinds.db');
    const s = await replayRecording({ file, venue: 'binance-futures', sinks: [`sqlite:${db}`], aggregate: { skipMarketHours: true } });
    expect(s).toMatchObject({ frames: 13, malformed: 0, gapsDetected: 0, trades: want.n });
    const rows = readSqlite<{ start_time: number; trade_count: number; volume: string; revision: number }>(db, 'SELECT start_time, trade_count, volume, revision FROM snapshots ORDER BY start_time, revision');
    const last = new Map(rows.map((r) => [r.start_time, r]));
    const total = [...last.values()].reduce((a, r) => ({ n: a.n + r.trade_count, volumeUnits: a.volumeUnits + Math.round(Number(r.volume) * 1000) }), { n: 0, volumeUnits: 0 });
    expect(total).toEqual(want);
    // Counting every kind instead is a setting.
    const all = await replayRecording({ file, venue: 'binance-futures', candleTradeKinds: ['MARKET', 'INSURANCE_FUND', 'ADL', 'NA'], aggregate: { skipMarketHours: true } });
    expect(all.trades).toBe(13);
  });

  it('tickgate replay --venue binance-futures prints 0 gaps / 0 resyncs; a wrong --venue names the valid ones', async () => {
    const ok = await runCli(['replay', FRAMES, '--venue', 'binance-futures', '--snapshot', SNAPSHOT], { timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/gaps detected\s+0\n/);
    expect(ok.stdout).toMatch(/book resyncs\s+0\n/);
    expect(ok.stdout).toMatch(new RegExp(`^frames\\s+${truth.frames}\\n`, 'm'));
    expect(ok.stdout).toMatch(new RegExp(`trades aggregated\\s+${truth.trades.length}\\n`));
    const bad = await runCli(['replay', FRAMES, '--venue', 'binance-usdm'], { timeoutMs: 60_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--venue "binance-usdm" is unknown: expected one of binance, binance-futures, bybit, equities');
  }, 90_000);

  it('an unknown venue or a misplaced category is a clear error naming the valid ones', async () => {
    await expect(replayRecording({ file: FRAMES, venue: 'binance-usdm' as never })).rejects.toThrow(/expected one of binance, binance-futures, bybit, equities/);
    await expect(replayRecording({ file: FRAMES, venue: 'binance-usdm' as never })).rejects.toBeInstanceOf(ConfigError);
    await expect(replayRecording({ file: FRAMES, venue: 'bybit', category: 'option' as never })).rejects.toThrow(/expected one of spot, linear/);
    await expect(replayRecording({ file: FRAMES, venue: 'binance-futures', category: 'linear' })).rejects.toThrow(/--category applies to --venue bybit only/);
  });
});
