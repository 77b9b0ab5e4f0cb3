/** Every `tickgate_*` series, read from the parts' stats() at scrape time. */
import type { Gateway } from './gateway.js';
import type { Sample } from '../observability/metrics.js';
import { CONNECTION_STATES } from '../connection/states.js';

export function registerGatewayMetrics(g: Gateway): void {
  const m = g.metrics;
  const conns = () => g.manager.details().map((d) => ({ d, s: g.manager.get(d.key)?.stats() }));

  m.gauge('tickgate_connections', 'Upstream connections by state', ['state'], () => {
    const by = g.manager.stats().byState;
    return CONNECTION_STATES.map((st): Sample => [{ state: st }, by[st] ?? 0]);
  });
  m.gauge('tickgate_connection_healthy', 'Whether a connection is healthy (1) or not (0)', ['venue', 'connection'],
    () => conns().map(({ d }): Sample => [{ venue: d.venue, connection: d.key }, d.healthy ? 1 : 0]));
  m.counter('tickgate_reconnects_total', 'Reconnects per connection', ['venue', 'connection'],
    () => conns().map(({ d, s }): Sample => [{ venue: d.venue, connection: d.key }, s?.reconnects ?? 0]));
  m.counter('tickgate_connection_frames_total', 'Frames received per connection', ['venue', 'connection'],
    () => conns().map(({ d, s }): Sample => [{ venue: d.venue, connection: d.key }, s?.framesIn ?? 0]));
  m.gauge('tickgate_connection_ping_rtt_ms', 'Last ping round trip', ['venue', 'connection'],
    () => conns().filter(({ d }) => d.metadata.lastPingRttMs !== null).map(({ d }): Sample => [{ venue: d.venue, connection: d.key }, d.metadata.lastPingRttMs!]));
  m.gauge('tickgate_breaker_open', 'Circuit breaker per host: 0 closed, 1 open, 0.5 half-open', ['host'],
    () => g.manager.stats().breakers.map((b): Sample => [{ host: b.host }, b.state === 'open' ? 1 : b.state === 'half-open' ? 0.5 : 0]));

  const feeds = () => [...g.feeds.entries()].map(([venue, f]) => ({ venue, f: f.stats(), i: f.integrity.stats() }));
  m.counter('tickgate_frames_total', 'Data frames decoded per venue', ['venue'], () => feeds().map(({ venue, f }): Sample => [{ venue }, f.frames]));
  m.counter('tickgate_events_total', 'Normalized events out of integrity per venue', ['venue'], () => feeds().map(({ venue, f }): Sample => [{ venue }, f.events]));
  m.counter('tickgate_malformed_frames_total', 'Frames that failed to decode', ['venue'], () => feeds().map(({ venue, f }): Sample => [{ venue }, f.malformed]));
  m.counter('tickgate_gaps_total', 'Sequence gaps detected', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.gapsDetected]));
  m.counter('tickgate_gaps_filled_total', 'Sequence gaps filled by backfill', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.gapsFilled]));
  m.counter('tickgate_backfill_trades_total', 'Trades fetched by REST backfill', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.tradesBackfilled]));
  m.gauge('tickgate_backfills_in_progress', 'Trade streams with a REST backfill running', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.backfillsInProgress]));
  m.gauge('tickgate_backfill_ids_remaining', 'Trade ids running backfills still have to deliver (where the end is known)', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.backfillIdsRemaining]));
  m.gauge('tickgate_backfill_trades_per_second', 'Fetch rate of the running trade backfills', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.backfillTradesPerSec]));
  m.counter('tickgate_backfill_pages_total', 'Trade backfill pages received from REST', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.backfillPages]));
  m.counter('tickgate_trade_gaps_declared_total', 'Unrecoverable trade holes declared (TradeGap events)', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.tradeGapsDeclared]));
  m.gauge('tickgate_trade_streams_behind', 'Numbered trade streams behind (between stream_state behind and whole)', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.streamsBehind]));
  m.counter('tickgate_book_resyncs_total', 'Order books rebuilt after a gap', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.bookResyncs]));
  m.counter('tickgate_duplicates_dropped_total', 'Duplicate events dropped', ['venue'], () => feeds().map(({ venue, i }): Sample => [{ venue }, i.duplicatesDropped]));

  const consumers = () => Object.entries(g.pipeline.stats().consumers);
  m.gauge('tickgate_queue_depth', 'Items waiting per consumer', ['consumer'], () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.queueDepth]));
  m.counter('tickgate_queue_dropped_total', 'Events lost per consumer to a full queue (drop-oldest, failed spill)', ['consumer'],
    () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.dropped.total - s.dropped.conflated]));
  m.counter('tickgate_queue_conflated_total', 'Events superseded by a newer one for the same key (conflate-by-key)', ['consumer'],
    () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.dropped.conflated]));
  m.counter('tickgate_handler_timeouts_total', 'Handler calls abandoned at their timeout', ['consumer'], () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.timeouts]));
  m.counter('tickgate_handler_errors_total', 'Handler calls that threw', ['consumer'], () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.errors]));
  m.gauge('tickgate_consumer_healthy', 'Whether a consumer is healthy (1) or has an abandoned call still running (0)', ['consumer'],
    () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.healthy ? 1 : 0]));
  // A gauge: abandoned calls leave it when they settle (tickgate_handler_timeouts_total counts every abandonment).
  m.gauge('tickgate_handler_abandoned_in_flight', 'Handler calls abandoned at their timeout that are still running', ['consumer'],
    () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.abandonedInFlight]));
  m.counter('tickgate_handler_abandoned_settled_total', 'Abandoned handler calls that settled later (result ignored)', ['consumer'],
    () => consumers().map(([c, s]): Sample => [{ consumer: c }, s.abandonedSettled]));
  m.gauge('tickgate_event_loop_lag_ms', 'Event-loop delay percentiles', ['quantile'], () => {
    const l = g.pipeline.lag?.stats();
    return l ? [[{ quantile: '0.5' }, l.p50Ms], [{ quantile: '0.99' }, l.p99Ms], [{ quantile: '1' }, l.maxMs]] : [];
  });

  const agg = () => g.aggregator.stats();
  m.counter('tickgate_trades_aggregated_total', 'Trades folded into aggregates', [], () => [[{}, agg().trades]]);
  // Clock holds while a trade stream is behind (expired = a 'whole' that never came), and restart resume.
  m.counter('tickgate_aggregate_stream_holds_total', 'Clock holds of behind trade streams by outcome', ['outcome'], () => {
    const h = agg().holds;
    return [[{ outcome: 'started' }, h.started], [{ outcome: 'released' }, h.released], [{ outcome: 'expired' }, h.expired]];
  });
  m.gauge('tickgate_aggregate_symbols_held', 'Symbols whose clock-driven window closing is held right now', [], () => [[{}, agg().held]]);
  m.counter('tickgate_aggregate_resume_skipped_trades_total', 'Trades skipped after a restart because stored output covered them', ['fold'], () => {
    const r = agg().resumeSkipped;
    return [[{ fold: 'time' }, r.time], [{ fold: 'tick' }, r.tick], [{ fold: 'volume' }, r.volume]];
  });
  m.counter('tickgate_late_events_total', 'Trades that arrived after their window closed', ['policy'], () => {
    const s = agg();
    return [[{ policy: 'amended' }, s.snapshots.lateAmended + s.timeCandles.lateAmended], [{ policy: 'dropped' }, s.snapshots.lateDropped + s.timeCandles.lateDropped]];
  });

  const sinks = () => Object.entries(g.sinks.stats());
  const stateCode = { ok: 0, retrying: 1, spooling: 2, failed: 3 } as const;
  m.gauge('tickgate_sink_state', 'Sink state: 0 ok, 1 retrying, 2 spooling, 3 failed', ['sink'], () => sinks().map(([n, s]): Sample => [{ sink: n }, stateCode[s.state]]));
  m.gauge('tickgate_sink_spool_rows', 'Rows waiting in the spool', ['sink'], () => sinks().map(([n, s]): Sample => [{ sink: n }, s.spoolRows]));
  m.gauge('tickgate_sink_spool_bytes', 'Bytes waiting in the spool', ['sink'], () => sinks().map(([n, s]): Sample => [{ sink: n }, s.spoolBytes]));
  m.counter('tickgate_sink_written_total', 'Records written per sink', ['sink'], () => sinks().map(([n, s]): Sample => [{ sink: n }, s.writtenRecords]));
  m.counter('tickgate_sink_failed_writes_total', 'Failed sink writes', ['sink'], () => sinks().map(([n, s]): Sample => [{ sink: n }, s.failedWrites]));

  m.gauge('tickgate_downstream_clients', 'Connected downstream clients', [], () => [[{}, g.server?.stats().clients ?? 0]]);
  m.counter('tickgate_downstream_messages_total', 'Messages sent to downstream clients', [], () => [[{}, g.server?.stats().messagesSent ?? 0]]);
  m.counter('tickgate_downstream_drops_total', 'Messages dropped for slow clients', [], () => [[{}, g.server?.stats().drops ?? 0]]);
  m.counter('tickgate_admission_rejections_total', 'Downstream connections refused (1013/1011)', ['reason'],
    () => Object.entries(g.server?.stats().admissionRejections ?? {}).map(([r, n]): Sample => [{ reason: r }, n]));
  m.counter('tickgate_downstream_gap_notices_total', 'Slow-consumer gap notices sent to downstream clients', [], () => [[{}, g.server?.stats().gapNotices ?? 0]]);
  m.gauge('tickgate_downstream_channels', 'Channels the downstream server holds (bounded by server.maxChannels)', [], () => [[{}, g.server?.stats().channels ?? 0]]);
  m.counter('tickgate_downstream_channel_refusals_total', 'Subscribes refused: channel not served, channel limit, venue breaker open', ['reason'], () => {
    const r = g.server?.stats().channelRefusals;
    return r ? [[{ reason: 'not_served' }, r.notServed], [{ reason: 'limit' }, r.limit], [{ reason: 'breaker_open' }, r.breakerOpen]] : [];
  });
  m.gauge('tickgate_event_loop_lag_recent_p99_ms', 'Event-loop lag p99 over the recent window (what admission compares with server.maxEventLoopLagMs)', [],
    () => (g.pipeline.lag ? [[{}, g.pipeline.lag.recentP99Ms()]] : []));
}
