/**
 * The e2e bench's observers in a child process, so the measured gateway does not share its event
 * loop with them: the downstream subscriber (TickgateClient on every trades.binance.<SYM> channel,
 * ids checked per symbol) and a bare ws client counting the frames the simulator sent. Driven over
 * the IPC channel: {op:'subscribe', url, symbols} | {op:'direct', port, streams} | {op:'state',
 * resetLatency?} | {op:'close'}; each request gets one reply {id, ...}.
 */
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { TickgateClient } from '../../src/server/client.js';
import type { DataMessage } from '../../src/server/protocol.js';
import type { Trade } from '../../src/model/events.js';

interface PerSymbol { first: number; last: number; count: number; dups: number; holes: number }
const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });

const down = new Map<string, PerSymbol>();
let client: TickgateClient<Trade> | null = null;
let direct: WebSocket | null = null;
let directFrames = 0;
let gaps = 0;
let resyncs = 0;
let reconnects = 0;
let latency = histogram();

function subscribe(url: string, symbols: readonly string[]): void {
  for (const s of symbols) down.set(s, { first: -1, last: -1, count: 0, dups: 0, holes: 0 });
  client = new TickgateClient<Trade>({ url, channels: symbols.map((s) => `trades.binance.${s}`) });
  client.on('data', (m: DataMessage<Trade>) => {
    const d = down.get(m.data.symbol);
    const id = m.data.seq;
    if (!d || id === null) return;
    if (d.last >= 0 && id <= d.last) d.dups++;
    else {
      if (d.last >= 0 && id > d.last + 1) d.holes += id - d.last - 1;
      if (d.first < 0) d.first = id;
      d.last = id;
      d.count++;
    }
    latency.recordValue(Math.max(1, Date.now() - m.data.eventTime));
  });
  client.on('gap', () => {
    gaps++;
  });
  client.on('resync', () => {
    resyncs++;
  });
  client.on('state', (c: { to?: string; state?: string }) => {
    if ((c.to ?? c.state) === 'reconnecting') reconnects++;
  });
  client.connect();
}

async function openDirect(port: number, streams: readonly string[]): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/binance/ws`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const ack = new Promise((r) => ws.once('message', r));
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
  await ack;
  ws.on('message', () => {
    directFrames++;
  });
  direct = ws;
}

function state(resetLatency: boolean): unknown {
  const positions: Record<string, boolean> = {};
  for (const s of down.keys()) positions[s] = client?.position(`trades.binance.${s}`) !== undefined;
  const out = {
    down: Object.fromEntries(down), positions, gaps, resyncs, reconnects, directFrames,
    // CPU time of this process (subscriber + direct counter), µs: what the observers cost the shared cores.
    cpuUs: (() => { const u = process.cpuUsage(); return u.user + u.system; })(),
    latencyP50Ms: latency.getValueAtPercentile(50), latencyP99Ms: latency.getValueAtPercentile(99),
  };
  if (resetLatency) latency = histogram();
  return out;
}

process.on('message', (m: { id: number; op: string; url?: string; symbols?: string[]; port?: number; streams?: string[]; resetLatency?: boolean }) => {
  void (async () => {
    let reply: unknown = {};
    if (m.op === 'subscribe') subscribe(m.url!, m.symbols!);
    else if (m.op === 'direct') await openDirect(m.port!, m.streams!);
    else if (m.op === 'state') reply = state(m.resetLatency === true);
    else if (m.op === 'close') {
      direct?.terminate();
      await client?.close();
    }
    process.send!({ id: m.id, ...(reply as object) });
    if (m.op === 'close') process.exit(0);
  })();
});
process.send!({ id: 0, ready: true });
