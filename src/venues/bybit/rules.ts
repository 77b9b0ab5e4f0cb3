/**
 * Bybit v5 public-stream rules: one URL per category ('/v5/public/spot' ...), subscribe with
 * {"req_id","op":"subscribe","args"} (at most 10 args per request on spot), a client
 * {"op":"ping"} every 20 s or Bybit drops the connection.
 */
import type { ClosePolicy, FrameClass, Request, VenueProtocol } from '../../connection/protocol.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { commonUpgradePolicy, retryAfterMs } from '../close-policy.js';

export interface BybitRulesConfig {
  /** 'wss://stream.bybit.com' or the simulator's 'ws://127.0.0.1:P/bybit'. */
  readonly wsBaseUrl?: string;
  readonly categoryPath?: string;
  readonly venue?: string;
  readonly pingIntervalMs?: number;
  readonly argsPerRequest?: number;
  readonly maxStreamsPerConnection?: number;
  readonly maxMessagesPerSecond?: number;
  readonly rateLimitBackoffMs?: number;
}

export type BybitTopicKind = 'publicTrade' | 'orderbook.1' | 'orderbook.50' | 'orderbook.200' | 'tickers' | 'allLiquidation' | `kline.${string}`;

/** Kline intervals of Bybit v5 (minutes, or D/W/M). */
export const BYBIT_KLINE_INTERVALS = ['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M'] as const;

export function bybitTopic(symbol: string, kind: BybitTopicKind): string {
  return `${kind}.${symbol.toUpperCase()}`;
}

const FATAL_REASON = /invalid symbol|unknown symbol|unauthori[sz]ed|invalid api/i;

export function bybitProtocol(config: BybitRulesConfig = {}): VenueProtocol {
  const d = venuesDefaults.bybit;
  const url = `${(config.wsBaseUrl ?? d.wsBaseUrl).replace(/\/+$/, '')}${config.categoryPath ?? d.categoryPath}`;
  const perRequest = config.argsPerRequest ?? d.argsPerRequest;
  const backoff = config.rateLimitBackoffMs ?? d.rateLimitBackoffMs;
  const requests = (op: 'subscribe' | 'unsubscribe', streams: readonly string[], nextId: () => string): Request[] => {
    const out: Request[] = [];
    for (let i = 0; i < streams.length; i += perRequest) {
      const batch = streams.slice(i, i + perRequest);
      const id = nextId();
      out.push({ id, streams: batch, payload: JSON.stringify({ req_id: id, op, args: batch }) });
    }
    return out;
  };
  return {
    name: config.venue ?? 'bybit',
    url: () => url,
    subscribe: (streams, nextId) => requests('subscribe', streams, nextId),
    unsubscribe: (streams, nextId) => requests('unsubscribe', streams, nextId),
    classify: classifyBybitFrame,
    appPing: { intervalMs: config.pingIntervalMs ?? d.pingIntervalMs, message: () => '{"op":"ping"}' },
    closePolicy(code, reason): ClosePolicy {
      if (FATAL_REASON.test(reason)) return { action: 'fatal', reason: `close ${code}: ${reason.slice(0, 120)}` };
      if (code === 1008) return { action: 'rate_limited', retryAfterMs: backoff, reason: `close 1008: ${reason.slice(0, 120)}` };
      return { action: 'transient', reason: `close ${code}${reason ? `: ${reason.slice(0, 120)}` : ''}` };
    },
    upgradePolicy(status, headers): ClosePolicy {
      const common = commonUpgradePolicy(status, headers, backoff);
      if (common) return common;
      // Bybit answers 403 "access too frequent" for IP rate limits.
      if (status === 403) return { action: 'rate_limited', retryAfterMs: retryAfterMs(headers, backoff), reason: 'HTTP 403 on upgrade (IP rate limit)' };
      if (status === 404) return { action: 'fatal', reason: 'HTTP 404 on upgrade: unknown endpoint (check wsBaseUrl/categoryPath)' };
      return { action: 'transient', reason: `HTTP ${status} on upgrade` };
    },
    limits: {
      maxStreamsPerConnection: config.maxStreamsPerConnection ?? d.maxStreamsPerConnection,
      maxMessagesPerSecond: config.maxMessagesPerSecond ?? d.maxMessagesPerSecond,
      connectionLifetimeMs: null,
    },
  };
}

export function classifyBybitFrame(frame: string): FrameClass {
  if (frame.startsWith('{"topic":"')) {
    const end = frame.indexOf('"', 10);
    return end > 10 ? { kind: 'data', stream: frame.slice(10, end) } : { kind: 'data' };
  }
  if (frame.length < 4096 && frame.includes('"op"')) {
    let m: Record<string, unknown>;
    try {
      const v: unknown = JSON.parse(frame);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'data' };
      m = v as Record<string, unknown>;
    } catch {
      return { kind: 'data' };
    }
    if (m.op === 'pong' || m.ret_msg === 'pong') return { kind: 'pong' };
    if (m.op === 'ping') return { kind: 'ping', reply: '{"op":"pong"}' };
    const id = typeof m.req_id === 'string' ? m.req_id : '';
    if (id !== '') {
      return m.success === true ? { kind: 'ack', id, ok: true } : { kind: 'ack', id, ok: false, error: String(m.ret_msg ?? 'refused').slice(0, 200) };
    }
    if (m.success === false) {
      const error = String(m.ret_msg ?? 'refused').slice(0, 200);
      return { kind: 'error', error, fatal: FATAL_REASON.test(error) };
    }
    return { kind: 'ignore' };
  }
  return { kind: 'data' };
}
