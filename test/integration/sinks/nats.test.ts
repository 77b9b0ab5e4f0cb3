import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { msgIdOf, NatsSink, subjectOf } from '../../../src/sinks/nats.js';
import { SupervisedSink } from '../../../src/sinks/supervised-sink.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { gap, mixed, snapshot, tickCandle, timeCandle, trade } from '../../unit/sinks/helpers/records.js';
import { TcpProxy, waitFor } from '../../helpers/tcp-proxy.js';
import { outageThroughProxy } from './helpers/outage.js';
import { NATS_PORT, requireService, uniqueName } from './helpers/services.js';

let nc: NatsConnection;
let jsm: JetStreamManager;
const streams: string[] = [];
let dir: string;

function names(): { stream: string; prefix: string } {
  const stream = uniqueName('TG_TEST');
  streams.push(stream);
  return { stream, prefix: uniqueName('tgtest') };
}

/** Every message in the stream: subject, Nats-Msg-Id and parsed body. */
async function readAll(stream: string): Promise<{ subject: string; id: string; body: SinkRecord }[]> {
  const info = await jsm.streams.info(stream);
  const n = info.state.messages;
  const out: { subject: string; id: string; body: SinkRecord }[] = [];
  if (n === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  const iter = await consumer.fetch({ max_messages: n, expires: 5000 });
  for await (const m of iter) {
    out.push({ subject: m.subject, id: m.headers?.get('Nats-Msg-Id') ?? '', body: m.json<SinkRecord>() });
    if (out.length === n) break;
  }
  return out;
}

beforeAll(async () => {
  await requireService('NATS', NATS_PORT);
  nc = await connect({ servers: `nats://127.0.0.1:${NATS_PORT}` });
  jsm = await jetstreamManager(nc);
  dir = mkdtempSync(join(tmpdir(), 'tickgate-nats-'));
});

afterAll(async () => {
  for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('NatsSink against the real JetStream server', () => {
  it('creates the stream, publishes on tickgate-shaped subjects with Nats-Msg-Id, bodies read back equal', async () => {
    const { stream, prefix } = names();
    const sink = new NatsSink({ servers: `nats://127.0.0.1:${NATS_PORT}`, stream, subjectPrefix: prefix, duplicateWindowMs: 60_000, trades: true });
    const batch: SinkRecord[] = [snapshot(0), timeCandle(0), tickCandle(0), trade(0, { symbol: 'BTC.USDT' })];
    await sink.write(batch);
    const info = await jsm.streams.info(stream);
    expect(info.config.subjects).toEqual([`${prefix}.>`]);
    expect(info.config.duplicate_window).toBe(60_000 * 1e6);
    const msgs = await readAll(stream);
    expect(msgs.map((m) => m.body)).toEqual(batch);
    expect(msgs.map((m) => m.subject)).toEqual([
      `${prefix}.snapshot.binance.BTCUSDT`, `${prefix}.candle.1m.binance.ETHUSDT`, `${prefix}.candle.t100.bybit.SOLUSDT`, `${prefix}.trade.binance.BTC_USDT`,
    ]);
    expect(msgs.map((m) => m.id)).toEqual(batch.map(msgIdOf));
    expect(batch.map((r) => subjectOf(prefix, r))).toEqual(msgs.map((m) => m.subject));
    await sink.close();
  });

  it('declared trade gaps are published (trades opt-in or not) on <prefix>.gap.<venue>.<symbol>, read back equal, replays deduplicated', async () => {
    const { stream, prefix } = names();
    const sink = new NatsSink({ servers: `nats://127.0.0.1:${NATS_PORT}`, stream, subjectPrefix: prefix });
    const gaps = [gap(0), gap(1), gap(2, { venue: 'bybit', symbol: 'ETH.USDT', source: 'publicTrade' })];
    await sink.write([snapshot(0), ...gaps, trade(0)]);
    await sink.write(gaps); // a replayed batch: same Nats-Msg-Id, dropped by the server
    const msgs = await readAll(stream);
    expect(msgs.map((m) => m.body)).toEqual([snapshot(0), ...gaps]);
    expect(msgs.slice(1).map((m) => m.subject)).toEqual([`${prefix}.gap.binance.BTCUSDT`, `${prefix}.gap.binance.BTCUSDT`, `${prefix}.gap.bybit.ETH_USDT`]);
    expect(msgs.slice(1).map((m) => m.id)).toEqual(['gap|binance|BTCUSDT|trade|8000000|r0', 'gap|binance|BTCUSDT|trade|8001000|r0', 'gap|bybit|ETH.USDT|publicTrade|8002000|r0']);
    expect(sink.stats()).toMatchObject({ published: 4, duplicates: 3, skippedTrades: 1 });
    await sink.close();
  });

  it('the same batch published twice is dropped by the duplicate window; a new revision is a new message', async () => {
    const { stream, prefix } = names();
    const sink = new NatsSink({ servers: `nats://127.0.0.1:${NATS_PORT}`, stream, subjectPrefix: prefix });
    const batch = mixed(0, 30);
    await sink.write(batch);
    await sink.write(batch);
    expect((await jsm.streams.info(stream)).state.messages).toBe(30);
    expect(sink.stats()).toMatchObject({ published: 30, duplicates: 30 });
    await sink.write([snapshot(0, { revision: 1, close: '9.9' })]);
    expect((await jsm.streams.info(stream)).state.messages).toBe(31);
    await sink.close();
  });

  it('an outage through a proxy (refused, then a black hole) loses nothing and duplicates nothing', async () => {
    const { stream, prefix } = names();
    // Create the stream directly so the sink starts behind the proxy.
    const proxy = new TcpProxy(NATS_PORT);
    const port = await proxy.start();
    const sink = new NatsSink({
      servers: `nats://127.0.0.1:${port}`, stream, subjectPrefix: prefix, connectTimeoutMs: 1000, publishTimeoutMs: 1000, reconnectWaitMs: 100,
    });
    const runner = new SupervisedSink({
      sink, spool: { dir: join(dir, stream), fsync: 'interval' }, maxBatchRecords: 50,
      replayRetryInitialMs: 100, replayRetryMaxMs: 300, writeTimeoutMs: 3000,
    });
    runner.start();
    const sent = await outageThroughProxy(runner, proxy);
    await runner.drained();
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages >= sent.length, 'all messages in the stream', 15_000);
    const msgs = await readAll(stream);
    expect(runner.stats().spooledRecords).toBeGreaterThan(0);
    expect(msgs).toHaveLength(sent.length);
    expect(new Set(msgs.map((m) => m.id)).size).toBe(sent.length);
    expect(new Set(msgs.map((m) => naturalKey(m.body)))).toEqual(new Set(sent.map(naturalKey)));
    await runner.close(2000);
    await proxy.stop();
  });
});
