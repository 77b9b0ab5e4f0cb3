/**
 * Binance spot (and USD-M futures) market-stream rules. The socket opens on `/stream` (combined
 * envelope) and streams are added with SUBSCRIBE requests, so additions after connect and the
 * replay after a reconnect use the same path. Binance sends protocol-level pings (answered by the
 * ws library); there is no application ping.
 */
import type { ClosePolicy, FrameClass, Request, VenueProtocol } from '../../connection/protocol.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { commonUpgradePolicy, retryAfterMs } from '../close-policy.js';

export interface BinanceRulesConfig {
  /** e.g. 'wss://stream.binance.com:9443' or the simulator's 'ws://127.0.0.1:P/binance'. */
  readonly wsBaseUrl?: string;
  readonly venue?: string;
  readonly streamsPerRequest?: number;
  readonly maxStreamsPerConnection?: number;
  readonly maxMessagesPerSecond?: number;
  readonly connectionLifetimeMs?: number;
  readonly rateLimitBackoffMs?: number;
  /** Put the streams in the URL (`/stream?streams=a/b`) and send no SUBSCRIBE. Default false. */
  readonly streamsInUrl?: boolean;
}

export type BinanceStreamKind = 'trade' | 'aggTrade' | 'bookTicker' | 'depth@100ms' | 'depth' | `kline_${string}`;

/** Stream name as Binance spells it: lower-case symbol, '@', kind ("btcusdt@depth@100ms"). */
export function binanceStream(symbol: string, kind: BinanceStreamKind): string {
  return `${symbol.toLowerCase()}@${kind}`;
}

const FATAL_REASON = /invalid symbol|unknown symbol|invalid api|api-key|signature|unauthori[sz]ed/i;

export function binanceProtocol(config: BinanceRulesConfig = {}): VenueProtocol {
  const d = venuesDefaults.binance;
  const base = (config.wsBaseUrl ?? d.wsBaseUrl).replace(/\/+$/, '');
  const perRequest = config.streamsPerRequest ?? d.streamsPerRequest;
  const backoff = config.rateLimitBackoffMs ?? d.rateLimitBackoffMs;
  const inUrl = config.streamsInUrl ?? false;

  const requests = (method: 'SUBSCRIBE' | 'UNSUBSCRIBE', streams: readonly string[], nextId: () => string): Request[] => {
    if (inUrl) return [];
    const out: Request[] = [];
    for (let i = 0; i < streams.length; i += perRequest) {
      const batch = streams.slice(i, i + perRequest);
      const id = nextId();
      // Binance ids are unsigned ints (strings are accepted by newer servers): send numeric ids as numbers.
      const idJson = /^\d{1,15}$/.test(id) ? id : JSON.stringify(id);
      out.push({ id, streams: batch, payload: `{"method":"${method}","params":${JSON.stringify(batch)},"id":${idJson}}` });
    }
    return out;
  };

  return {
    name: config.venue ?? 'binance',
    url(streams) {
      return inUrl && streams.length > 0 ? `${base}/stream?streams=${streams.join('/')}` : `${base}/stream`;
    },
    subscribe: (streams, nextId) => requests('SUBSCRIBE', streams, nextId),
    unsubscribe: (streams, nextId) => requests('UNSUBSCRIBE', streams, nextId),
    classify: classifyBinanceFrame,
    closePolicy(code, reason): ClosePolicy {
      if (FATAL_REASON.test(reason)) return { action: 'fatal', reason: `close ${code}: ${reason.slice(0, 120)}` };
      if (code === 1008) return { action: 'rate_limited', retryAfterMs: backoff, reason: `close 1008: ${reason.slice(0, 120) || 'policy violation (too many messages)'}` };
      return { action: 'transient', reason: `close ${code}${reason ? `: ${reason.slice(0, 120)}` : ''}` };
    },
    upgradePolicy(status, headers): ClosePolicy {
      const common = commonUpgradePolicy(status, headers, backoff);
      if (common) return common;
      // Binance answers 403 when its WAF limit is hit: wait like a rate limit.
      if (status === 403) return { action: 'rate_limited', retryAfterMs: retryAfterMs(headers, backoff), reason: 'HTTP 403 on upgrade (WAF limit)' };
      if (status === 400 || status === 404) return { action: 'fatal', reason: `HTTP ${status} on upgrade: unknown endpoint or stream (check wsBaseUrl)` };
      return { action: 'transient', reason: `HTTP ${status} on upgrade` };
    },
    limits: {
      maxStreamsPerConnection: config.maxStreamsPerConnection ?? d.maxStreamsPerConnection,
      maxMessagesPerSecond: config.maxMessagesPerSecond ?? d.maxMessagesPerSecond,
      connectionLifetimeMs: config.connectionLifetimeMs ?? d.connectionLifetimeMs,
    },
  };
}

/** Cheap classification: prefix checks; only small control frames are parsed. */
export function classifyBinanceFrame(frame: string): FrameClass {
  if (frame.startsWith('{"stream":"')) {
    const end = frame.indexOf('"', 11);
    return end > 11 ? { kind: 'data', stream: frame.slice(11, end) } : { kind: 'data' };
  }
  if (frame.startsWith('{"e":"listenKeyExpired"') || (frame.length < 512 && frame.includes('"listenKeyExpired"'))) {
    return { kind: 'error', error: 'listenKeyExpired', fatal: false };
  }
  if (frame.length < 4096 && !frame.includes('"e":')) {
    let msg: unknown;
    try {
      msg = JSON.parse(frame);
    } catch {
      return { kind: 'data' }; // the decoder reports it as malformed
    }
    if (typeof msg === 'object' && msg !== null && !Array.isArray(msg)) {
      const m = msg as Record<string, unknown>;
      const id = m.id === undefined || m.id === null ? undefined : String(m.id);
      if ('result' in m && id !== undefined) return { kind: 'ack', id, ok: true };
      if (typeof m.code === 'number' || typeof m.msg === 'string') {
        const error = `${String(m.code)}: ${String(m.msg).slice(0, 200)}`;
        if (id !== undefined) return { kind: 'ack', id, ok: false, error };
        return { kind: 'error', error, fatal: FATAL_REASON.test(error) };
      }
    }
  }
  return { kind: 'data' };
}

export interface BinanceUserStreamConfig {
  readonly wsBaseUrl?: string;
  readonly venue?: string;
  /** Current listenKey (changes on renewal); read at every connect. */
  readonly listenKey: () => string;
  /** Called when the venue rejects the key (expired event, 400/401/404 upgrade): renew it. */
  readonly onListenKeyRejected?: () => void;
  readonly rateLimitBackoffMs?: number;
}

/** Rules of the Binance spot user data stream (`/ws/<listenKey>`); carries no subscriptions. */
export function binanceUserStreamProtocol(config: BinanceUserStreamConfig): VenueProtocol {
  const market = binanceProtocol({ wsBaseUrl: config.wsBaseUrl, venue: config.venue, rateLimitBackoffMs: config.rateLimitBackoffMs });
  const base = (config.wsBaseUrl ?? venuesDefaults.binance.wsBaseUrl).replace(/\/+$/, '');
  return {
    ...market,
    url: () => `${base}/ws/${config.listenKey()}`,
    subscribe: () => [],
    unsubscribe: () => [],
    classify(frame) {
      const c = classifyBinanceFrame(frame);
      if (c.kind === 'error' && c.error === 'listenKeyExpired') config.onListenKeyRejected?.();
      return c;
    },
    upgradePolicy(status, headers) {
      if (status === 400 || status === 401 || status === 404) {
        config.onListenKeyRejected?.();
        return { action: 'transient', reason: `HTTP ${status} on upgrade: listenKey rejected, renewing` };
      }
      return market.upgradePolicy!(status, headers);
    },
    limits: { ...market.limits, maxStreamsPerConnection: 1 },
  };
}
