/**
 * A test venue: JSON {"op":"subscribe","id","args"} → {"id","ok":true}; app ping {"op":"ping"} →
 * {"op":"pong"}; data frames {"stream":"<s>","data":...}. Close policy: 1008 rate-limited, 4001
 * fatal, the rest transient.
 */
import type { ClosePolicy, FrameClass, Request, VenueProtocol } from '../../../src/connection/protocol.js';

export interface TestVenueSettings {
  readonly port: number;
  readonly login?: boolean;
  readonly appPingIntervalMs?: number;
  readonly maxStreamsPerConnection?: number;
  readonly maxStreamsPerRequest?: number;
  readonly maxMessagesPerSecond?: number;
  readonly retryAfterMs?: number;
  readonly connectionLifetimeMs?: number | null;
}

export function testVenue(s: TestVenueSettings): VenueProtocol {
  const perRequest = s.maxStreamsPerRequest ?? 10;
  const requests = (op: string, streams: readonly string[], nextId: () => string): Request[] => {
    const out: Request[] = [];
    for (let i = 0; i < streams.length; i += perRequest) {
      const chunk = streams.slice(i, i + perRequest);
      const id = nextId();
      out.push({ id, streams: chunk, payload: JSON.stringify({ op, id, args: chunk }) });
    }
    return out;
  };
  return {
    name: 'testvenue',
    url: () => `ws://127.0.0.1:${s.port}/ws`,
    subscribe: (streams, nextId) => requests('subscribe', streams, nextId),
    unsubscribe: (streams, nextId) => requests('unsubscribe', streams, nextId),
    login: s.login ? (nextId) => { const id = nextId(); return [{ id, streams: [], payload: JSON.stringify({ op: 'login', id, token: 'secret-token' }) }]; } : undefined,
    classify(frame: string): FrameClass {
      if (frame.startsWith('{"stream":"')) {
        const end = frame.indexOf('"', 11);
        return { kind: 'data', stream: frame.slice(11, end) };
      }
      const m = JSON.parse(frame) as { id?: string; ok?: boolean; error?: string; op?: string; fatal?: boolean };
      if (m.id !== undefined && m.ok !== undefined) return { kind: 'ack', id: m.id, ok: m.ok, error: m.error };
      if (m.op === 'pong') return { kind: 'pong' };
      if (m.op === 'ping') return { kind: 'ping', reply: '{"op":"pong"}' };
      if (m.error !== undefined) return { kind: 'error', error: m.error, fatal: m.fatal === true };
      return { kind: 'ignore' };
    },
    appPing: s.appPingIntervalMs ? { intervalMs: s.appPingIntervalMs, message: () => '{"op":"ping"}' } : undefined,
    closePolicy(code: number, reason: string): ClosePolicy {
      if (code === 1008) return { action: 'rate_limited', retryAfterMs: s.retryAfterMs ?? 1_000, reason: `policy violation ${reason}` };
      if (code === 4001) return { action: 'fatal', reason: `bad credentials ${reason}` };
      return { action: 'transient', reason: `close ${code}` };
    },
    limits: {
      maxStreamsPerConnection: s.maxStreamsPerConnection ?? 1024,
      maxMessagesPerSecond: s.maxMessagesPerSecond ?? 50,
      connectionLifetimeMs: s.connectionLifetimeMs ?? null,
    },
  };
}
