/** Builds the GatewayStatus object and the readiness verdict from the parts' own figures. */
import type { ConnectionDetails } from '../connection/index.js';
import type { Gateway } from './gateway.js';
import type { FeedDefinition } from './feeds-from-config.js';
import type { ConnectionStatus, GatewayStatus, VenueFlow } from './status.js';
import { compatStatus } from './compat-wiring.js';
import { clusterStatus } from './cluster-status.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: Record<string, string>;
}

function unhealthyReason(d: ConnectionDetails, now: number, staleAfterMs: number): string | null {
  if (d.healthy) return null;
  if (d.state !== 'connected') {
    const last = d.metadata.transitions[d.metadata.transitions.length - 1];
    return `state ${d.state}${last ? `: ${last.reason}` : ''}`;
  }
  const lastData = d.metadata.lastDataTime;
  if (lastData !== null && now - lastData > staleAfterMs) return `stale: no data for ${((now - lastData) / 1000).toFixed(1)} s`;
  return 'no pong within the heartbeat window';
}

function connectionStatus(g: Gateway, d: ConnectionDetails, now: number, staleStreams: ReadonlySet<string>): ConnectionStatus {
  const transitions = d.metadata.transitions;
  const last = transitions[transitions.length - 1];
  const retry = d.state === 'reconnecting' && last ? /retry in (\d+) ms/.exec(last.reason) : null;
  const stats = g.manager.get(d.key)?.stats();
  return {
    key: d.key,
    venue: d.venue,
    state: d.state,
    stateAgeMs: last ? Math.max(0, now - last.time) : 0,
    healthy: d.healthy,
    unhealthyReason: unhealthyReason(d, now, g.config.connection.staleAfterMs),
    lastFrameAgeMs: d.metadata.lastFrameTime === null ? null : Math.max(0, now - d.metadata.lastFrameTime),
    pingRttMs: d.metadata.lastPingRttMs,
    reconnects: stats?.reconnects ?? d.metadata.reconnects,
    backoffMs: retry ? Number(retry[1]) : null,
    breaker: d.breaker ? { host: d.breaker.host, state: d.breaker.state, failures: d.breaker.consecutiveFailures } : null,
    streams: d.subscriptions.map((s) => s.stream),
    staleStreams: d.subscriptions.map((s) => s.stream).filter((s) => staleStreams.has(`${d.key}|${s}`)),
  };
}

/** Rates over less than this are too noisy: the previous build's rates are kept. */
const MIN_RATE_INTERVAL_S = 0.5;

export function buildStatus(
  g: Gateway,
  prev: GatewayStatus | null,
  last: GatewayStatus | null,
  aggregates: { snapshots: number; candles: number },
  definitions: readonly FeedDefinition[],
): GatewayStatus {
  const now = Date.now();
  const dt = prev ? Math.max(1, now - prev.time) / 1000 : 0;
  const venues: VenueFlow[] = [];
  const stale = new Set<string>();
  for (const [venue, feed] of g.feeds) {
    const f = feed.stats();
    const i = feed.integrity.stats();
    for (const s of feed.staleStreams()) stale.add(s);
    const p = prev?.venues.find((v) => v.venue === venue);
    const l = last?.venues.find((v) => v.venue === venue);
    const measured = p !== undefined && dt >= MIN_RATE_INTERVAL_S;
    venues.push({
      venue, framesTotal: f.frames, eventsTotal: f.events,
      framesPerSec: measured ? Math.max(0, (f.frames - p.framesTotal) / dt) : l?.framesPerSec ?? 0,
      eventsPerSec: measured ? Math.max(0, (f.events - p.eventsTotal) / dt) : l?.eventsPerSec ?? 0,
      malformedFrames: f.malformed, gapsDetected: i.gapsDetected, gapsFilled: i.gapsFilled,
      tradesBackfilled: i.tradesBackfilled, bookResyncs: i.bookResyncs, duplicatesDropped: i.duplicatesDropped,
      backfillsInProgress: i.backfillsInProgress, backfillIdsRemaining: i.backfillIdsRemaining, backfillTradesPerSec: i.backfillTradesPerSec,
      tradeGapsDeclared: i.tradeGapsDeclared, streamsBehind: i.streamsBehind,
    });
  }
  const p = g.pipeline.stats();
  const consumers = Object.entries(p.consumers).map(([consumer, c]) => ({
    consumer, queueDepth: c.queueDepth, capacity: c.capacity,
    dropped: c.dropped.total - c.dropped.conflated, conflated: c.dropped.conflated, timeouts: c.timeouts,
  }));
  const srv = g.server?.stats();
  const sinkStats = g.sinks.stats();
  const r = readiness(g);
  return {
    time: now,
    startedAt: g.startedAt,
    ready: r.ready,
    notReadyReasons: Object.entries(r.reasons).map(([k, v]) => `${k}: ${v}`),
    connections: g.manager.details().map((d) => connectionStatus(g, d, now, stale)),
    venues,
    consumers,
    handlerTimeouts: consumers.reduce((a, c) => a + c.timeouts, 0),
    eventLoopLagP99Ms: p.lag?.p99Ms ?? 0,
    sinks: g.sinks.health().map((h) => {
      const st = sinkStats[h.sink];
      return {
        name: h.sink, state: h.state, spoolRows: h.spool.rows, spoolBytes: h.spool.bytes,
        written: st?.writtenRecords ?? 0, lastError: h.lastError ? `${h.lastError.code}: ${h.lastError.message}` : null,
      };
    }),
    clients: {
      clients: srv?.clients ?? 0, backlogged: srv?.backloggedClients ?? 0, drops: srv?.drops ?? 0,
      conflations: srv?.conflations ?? 0, gapNotices: srv?.gapNotices ?? 0, slowConsumerCloses: srv?.slowConsumerCloses ?? 0,
      admissionRejections: { ...(srv?.admissionRejections ?? {}) },
    },
    symbols: definitions.flatMap((d) => d.symbols.map((symbol) => ({ venue: d.venue, symbol }))),
    aggregates: { ...aggregates },
    compat: compatStatus([g.compat, g.compatFutures]),
    ...(g.cluster ? { cluster: clusterStatus(g.cluster) } : {}),
  };
}

/** Ready = every opened feed is live and healthy, no sink failed, event-loop lag under threshold. */
export function readiness(g: Gateway): Readiness {
  const reasons: Record<string, string> = {};
  const degraded: Record<string, string> = {};
  for (const [venue, feed] of g.feeds) {
    const f = feed.stats();
    if (f.connectAttempts === 0 || feed.isSuspended) continue; // not opened, or closed with its market
    if (!feed.live) reasons[`feed:${venue}`] = f.lastConnectError ?? 'first handshake not finished';
  }
  for (const d of g.manager.details()) {
    if (!d.healthy) reasons[`connection:${d.key}`] = `state ${d.state}`;
  }
  for (const h of g.sinks.health()) {
    if (h.state === 'failed') reasons[`sink:${h.sink}`] = h.lastError ? `${h.lastError.code}: ${h.lastError.message}` : 'failed';
    else if (h.spoolFull) reasons[`sink:${h.sink}`] = 'spool full';
    else if (h.state !== 'ok') degraded[`sink:${h.sink}`] = `degraded: ${h.state}, ${h.spool.rows} rows spooled`;
  }
  const lag = g.pipeline.lag?.stats();
  if (lag && lag.lastIntervalMaxMs > g.config.server.maxEventLoopLagMs) {
    reasons.eventLoop = `lag ${lag.lastIntervalMaxMs.toFixed(0)} ms over ${g.config.server.maxEventLoopLagMs} ms`;
  }
  // A spooling sink loses nothing and slows nothing: reported, but the gateway stays ready.
  return { ready: Object.keys(reasons).length === 0, reasons: { ...reasons, ...degraded } };
}
