/**
 * A declared upstream trade gap reaches subscribers of trades.<venue>.<symbol> as a `gap`
 * notice (reason "upstream") in order with the trades: live, replayed on resume, never dropped
 * for a slow client, and surfaced by the typed client as a 'gap' event without a false "missing".
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TradeGap } from '../../../src/model/events.js';
import { TickgateClient, type ClientGap } from '../../../src/server/client.js';
import type { DataMessage, UpstreamGapMessage } from '../../../src/server/protocol.js';
import type { DownstreamServer } from '../../../src/server/server.js';
import { connect, startServer, type Msg, type RawClient } from './helpers.js';

const T = 'trades.binance.BTCUSDT';
const PAD = 'x'.repeat(512);

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];
let typed: TickgateClient | undefined;

afterEach(async () => {
  await typed?.close();
  typed = undefined;
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
});

const rawSocket = (c: RawClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;

const hole: TradeGap = {
  type: 'trade_gap', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1, receiveTime: 2, source: 'trade',
  fromId: 501, toId: 700, reason: 'max_resume_exceeded', detail: '200 trades missed while stopped, more than maxResumeTrades',
};

/** Trades 1..500, the declared hole 501..700, trades 701..1000: the order a subscriber must see. */
function publishStream(s: DownstreamServer): void {
  for (let id = 1; id <= 500; id++) s.publish(T, { tradeId: String(id), pad: PAD });
  s.publishTradeGap(hole);
  for (let id = 701; id <= 1000; id++) s.publish(T, { tradeId: String(id), pad: PAD });
}

/** What the stream looks like to a client: trade ids, and "gap:<from>-<to>" for the notice. */
function view(msgs: readonly Msg[]): string[] {
  const out: string[] = [];
  for (const m of msgs) {
    if (m.type === 'data') out.push((m.data as { tradeId: string }).tradeId);
    else if (m.type === 'gap' && (m as { reason: string }).reason === 'upstream') {
      const g = m as unknown as UpstreamGapMessage;
      out.push(`gap:${g.fromTradeId}-${g.toTradeId}`);
    }
  }
  return out;
}

const expectedView = [
  ...Array.from({ length: 500 }, (_, i) => String(i + 1)), 'gap:501-700', ...Array.from({ length: 300 }, (_, i) => String(i + 701)),
];

describe('upstream trade gaps downstream', () => {
  it('reach a live subscriber in order, holding their own seq, with the code and detail', async () => {
    server = await startServer();
    const c = await connect(server); clients.push(c);
    await c.subscribe([T]);
    publishStream(server);
    await c.waitFor((ms) => ms.length >= 802, 10_000, 'every message');
    expect(view(c.messages)).toEqual(expectedView);
    const notice = c.messages.find((m) => m.type === 'gap') as unknown as UpstreamGapMessage;
    expect(notice).toEqual({
      type: 'gap', reason: 'upstream', channel: T, seq: 501, epoch: server.position(T).epoch, source: 'trade',
      fromTradeId: 501, toTradeId: 700, code: 'max_resume_exceeded', detail: hole.detail,
    });
    // Every message of the channel, the notice included, takes the next seq.
    expect(c.messages.filter((m) => m.channel === T && m.type !== 'subscribed').map((m) => m.seq)).toEqual(Array.from({ length: 801 }, (_, i) => i + 1));
  });

  it('are replayed from the ring to a client resuming before them', async () => {
    server = await startServer({ ringCapacityMessages: 2_000 });
    publishStream(server);
    const c = await connect(server); clients.push(c);
    await c.subscribe([T], { [T]: { epoch: server.position(T).epoch, seq: 400 } });
    await c.waitFor((ms) => ms.filter((m) => m.type !== 'subscribed').length >= 401, 10_000, 'the replay');
    expect(view(c.messages)).toEqual(expectedView.slice(400));
  });

  it('are never dropped for a client that stops reading, and sit between the right slow-consumer gaps', async () => {
    server = await startServer({ maxSocketBufferedBytes: 16 * 1024, maxQueueMessages: 50, maxQueueBytes: 64 * 1024, slowConsumerCloseMs: 60_000 });
    const c = await connect(server); clients.push(c);
    await c.subscribe([T]);
    rawSocket(c).pause();
    // Fill the kernel buffer and our queue first so that the notice arrives while frames are dropped.
    for (let id = 1; id <= 500; id++) server.publish(T, { tradeId: String(id), pad: PAD.repeat(20) });
    server.publishTradeGap(hole);
    for (let id = 701; id <= 1000; id++) server.publish(T, { tradeId: String(id), pad: PAD.repeat(20) });
    expect(server.stats().drops).toBeGreaterThan(0);
    rawSocket(c).resume();
    await c.waitFor((ms) => ms.some((m) => (m.type === 'data' && m.seq === 801) || (m.type === 'gap' && (m as { to?: number }).to === 801)), 20_000, 'caught up');
    const notices = c.messages.filter((m) => m.type === 'gap' && (m as { reason: string }).reason === 'upstream');
    expect(notices).toHaveLength(1);
    // Walk seqs: data, slow-consumer gap ranges and the notice cover 1..801 exactly once, in order.
    let expected = 1;
    for (const m of c.messages) {
      if (m.type === 'data') { expect(m.seq).toBe(expected); expected++; } else if (m.type === 'gap') {
        const g = m as unknown as { reason: string; from: number; to: number; seq: number };
        if (g.reason === 'upstream') { expect(g.seq).toBe(expected); expect(g.seq).toBe(501); expected++; } else { expect(g.from).toBe(expected); expected = g.to + 1; }
      }
    }
    expect(expected).toBe(802);
  });

  it('the typed client emits the notice as a gap event in order, with no false "missing" gap', async () => {
    server = await startServer();
    typed = new TickgateClient({ url: `ws://127.0.0.1:${server.port}/ws`, channels: [T] });
    const seen: string[] = [];
    const gaps: ClientGap[] = [];
    typed.on('data', (m: DataMessage) => seen.push((m.data as { tradeId: string }).tradeId));
    typed.on('gap', (g) => { gaps.push(g); if (g.reason === 'upstream') seen.push(`gap:${g.fromTradeId}-${g.toTradeId}`); });
    const subscribed = new Promise<void>((r) => typed!.once('subscribed', () => r()));
    typed.connect();
    await subscribed;
    publishStream(server);
    const deadline = Date.now() + 10_000;
    while (seen.length < 801 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(expectedView);
    expect(gaps.map((g) => g.reason)).toEqual(['upstream']);
    expect(typed.position(T)?.seq).toBe(801);
  });
});
