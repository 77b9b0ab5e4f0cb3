/**
 * US-equities feed rules (EODHD-style): the API token rides in the URL (`?api_token=`, which
 * redactUrl masks), symbols are added with {"action":"subscribe","symbols":"AAPL,MSFT"}. The feed
 * sends no per-request ack and needs no application ping; the server greets with
 * {"status_code":200,"message":"Authorized"} and refuses a bad token with a non-200 status.
 */
import type { ClosePolicy, FrameClass, Request, VenueProtocol } from '../../connection/protocol.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { commonUpgradePolicy } from '../close-policy.js';

export interface EquitiesRulesConfig {
  /** 'wss://ws.eodhistoricaldata.com' or the simulator's 'ws://127.0.0.1:P/equities'. */
  readonly wsBaseUrl?: string;
  /** Path under the base: '/ws/us' for EODHD, '/ws' for the simulator. */
  readonly path?: string;
  readonly apiToken: string;
  readonly venue?: string;
  readonly symbolsPerRequest?: number;
  readonly maxStreamsPerConnection?: number;
  readonly maxMessagesPerSecond?: number;
  readonly rateLimitBackoffMs?: number;
}

const FATAL_REASON = /unauthori[sz]ed|invalid (api )?token|api_token|forbidden/i;

export function equitiesProtocol(config: EquitiesRulesConfig): VenueProtocol {
  const d = venuesDefaults.equities;
  const url = `${(config.wsBaseUrl ?? d.wsBaseUrl).replace(/\/+$/, '')}${config.path ?? d.path}?api_token=${encodeURIComponent(config.apiToken)}`;
  const per = config.symbolsPerRequest ?? d.symbolsPerRequest;
  const backoff = config.rateLimitBackoffMs ?? d.rateLimitBackoffMs;
  const requests = (action: 'subscribe' | 'unsubscribe', symbols: readonly string[], nextId: () => string): Request[] => {
    const out: Request[] = [];
    for (let i = 0; i < symbols.length; i += per) {
      const batch = symbols.slice(i, i + per).map((s) => s.toUpperCase());
      // The feed never acks: the connection counts the request as done once sent.
      const req: Request = { id: nextId(), streams: batch, payload: JSON.stringify({ action, symbols: batch.join(',') }), expectAck: false };
      out.push(req);
    }
    return out;
  };
  return {
    name: config.venue ?? 'equities',
    url: () => url,
    subscribe: (symbols, nextId) => requests('subscribe', symbols, nextId),
    unsubscribe: (symbols, nextId) => requests('unsubscribe', symbols, nextId),
    classify: classifyEquitiesFrame,
    closePolicy(code, reason): ClosePolicy {
      if (FATAL_REASON.test(reason) || code === 4001 || code === 4003) return { action: 'fatal', reason: `close ${code}: ${reason.slice(0, 120) || 'bad credentials'}` };
      if (code === 1008) return { action: 'rate_limited', retryAfterMs: backoff, reason: `close 1008: ${reason.slice(0, 120)}` };
      return { action: 'transient', reason: `close ${code}${reason ? `: ${reason.slice(0, 120)}` : ''}` };
    },
    upgradePolicy(status, headers): ClosePolicy {
      const common = commonUpgradePolicy(status, headers, backoff);
      if (common) return common;
      if (status === 403) return { action: 'fatal', reason: 'HTTP 403 on upgrade: token not entitled' };
      if (status === 404) return { action: 'fatal', reason: 'HTTP 404 on upgrade: unknown endpoint (check wsBaseUrl/path)' };
      return { action: 'transient', reason: `HTTP ${status} on upgrade` };
    },
    limits: {
      maxStreamsPerConnection: config.maxStreamsPerConnection ?? d.maxStreamsPerConnection,
      maxMessagesPerSecond: config.maxMessagesPerSecond ?? d.maxMessagesPerSecond,
      connectionLifetimeMs: null,
    },
  };
}

export function classifyEquitiesFrame(frame: string): FrameClass {
  if (frame.startsWith('{"s":"')) {
    const end = frame.indexOf('"', 6);
    return end > 6 ? { kind: 'data', stream: frame.slice(6, end) } : { kind: 'data' };
  }
  if (frame.length < 2048 && frame.includes('"status_code"')) {
    try {
      const m = JSON.parse(frame) as Record<string, unknown>;
      if (m.status_code === 200) return { kind: 'ignore' };
      const error = `${String(m.status_code)}: ${String(m.message ?? '').slice(0, 200)}`;
      return { kind: 'error', error, fatal: m.status_code === 401 || m.status_code === 403 || FATAL_REASON.test(error) };
    } catch {
      return { kind: 'data' };
    }
  }
  return { kind: 'data' };
}
