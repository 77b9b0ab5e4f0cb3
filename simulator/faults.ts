/**
 * Fault state and scripting. A fault is injected (programmatically or through the admin API),
 * matched by the parts that can apply it (venue, optionally stream and symbol), consumed when
 * it has a count, expires after durationMs, and every step is logged with its time.
 */
import { z } from 'zod';
import { TickgateError } from '../src/model/errors.js';

export const VENUES = ['binance', 'binance-futures', 'bybit', 'equities'] as const;
export type VenueId = (typeof VENUES)[number];

export const FAULT_KINDS = [
  'delay-upgrade', // hold the WebSocket upgrade for delayMs, then complete it
  'stall-upgrade', // never answer the upgrade (socket stays open)
  'refuse', // close the listening port: new connections get ECONNREFUSED (whole port)
  'reset', // destroy new connections of a venue at upgrade (ECONNRESET)
  'silent', // half-open: accept, then send nothing and answer no pings; socket stays open
  'no-pong', // stop answering pings only (ws ping frames and Bybit {"op":"ping"})
  'stop-stream', // stop publishing one stream (or a symbol's streams)
  'close', // one-shot: close matching connections with `code`
  'malformed', // replace frames with invalid JSON, truncated JSON, or a truncated ws frame
  'skip', // drop the next `count` frames of a sequenced stream (data still exists via REST)
  'repeat', // send the next `count` frames twice
  'rest-error', // REST answers `status` (429/418/5xx) with Retry-After
  'throttle', // cap bytes/s written to each matching client
  'restart', // one-shot: drop all sockets, refuse for downMs, listen again (state continues)
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSpecSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  venue: z.enum(VENUES).optional(),
  /** Full stream/topic name ("btcusdt@trade", "publicTrade.BTCUSDT") or a suffix ("@trade"). */
  stream: z.string().min(1).optional(),
  symbol: z.string().min(1).optional(),
  /** Apply this many times, then remove the fault. */
  count: z.number().int().positive().optional(),
  /** Remove the fault after this long. */
  durationMs: z.number().int().positive().optional(),
  delayMs: z.number().int().nonnegative().optional(),
  code: z.number().int().min(1000).max(4999).optional(),
  reason: z.string().max(120).optional(),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterS: z.number().int().nonnegative().optional(),
  /** REST path prefix the error applies to, e.g. "/api/v3/depth". */
  path: z.string().optional(),
  bytesPerSec: z.number().int().positive().optional(),
  mode: z.enum(['garbage', 'truncated-json', 'truncated-frame']).optional(),
  downMs: z.number().int().nonnegative().optional(),
}).strict();

export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface ActiveFault extends FaultSpec {
  readonly id: string;
  readonly injectedAtMs: number;
  readonly expiresAtMs: number | null;
  /** Applications left (null = until cleared/expired). */
  remaining: number | null;
  hits: number;
}

export interface FaultLogEntry {
  readonly atMs: number;
  readonly at: string;
  readonly id: string;
  readonly kind: FaultKind;
  readonly event: 'injected' | 'applied' | 'expired' | 'cleared' | 'exhausted';
  readonly venue?: VenueId;
  readonly detail?: string;
}

export class FaultSpecError extends TickgateError {
  constructor(message: string) {
    super('E_SIM_FAULT_SPEC', message, { retryable: false });
  }
}

export interface MatchScope {
  readonly venue?: VenueId;
  readonly stream?: string;
  readonly symbol?: string;
  readonly path?: string;
}

type OneShotHandler = (fault: ActiveFault) => void;

export class FaultController {
  private readonly active = new Map<string, ActiveFault>();
  private readonly entries: FaultLogEntry[] = [];
  private seq = 0;
  private readonly handlers = new Map<FaultKind, OneShotHandler>();

  constructor(private readonly now: () => number, private readonly maxLog = 10_000) {}

  /** The simulator registers what a one-shot fault (close, restart, refuse) does. */
  onInject(kind: FaultKind, handler: OneShotHandler): void {
    this.handlers.set(kind, handler);
  }

  inject(input: FaultSpec | unknown): ActiveFault {
    const parsed = faultSpecSchema.safeParse(input);
    if (!parsed.success) throw new FaultSpecError(`invalid fault spec: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ')}`);
    const spec = parsed.data;
    if (spec.kind === 'close' && spec.code === undefined) throw new FaultSpecError('fault "close" needs a code (1000-4999)');
    if (spec.kind === 'rest-error' && spec.status === undefined) throw new FaultSpecError('fault "rest-error" needs a status (e.g. 429, 418, 503)');
    if (spec.kind === 'throttle' && spec.bytesPerSec === undefined) throw new FaultSpecError('fault "throttle" needs bytesPerSec');
    if (spec.kind === 'stop-stream' && spec.stream === undefined && spec.symbol === undefined) throw new FaultSpecError('fault "stop-stream" needs a stream or a symbol');
    const now = this.now();
    const fault: ActiveFault = {
      ...spec,
      id: `f${++this.seq}`,
      injectedAtMs: now,
      expiresAtMs: spec.durationMs === undefined ? null : now + spec.durationMs,
      remaining: spec.count ?? null,
      hits: 0,
    };
    const oneShot = fault.kind === 'close' || fault.kind === 'restart';
    if (!oneShot) this.active.set(fault.id, fault);
    this.log(fault, 'injected', describe(fault));
    const handler = this.handlers.get(fault.kind);
    if (handler) handler(fault);
    return fault;
  }

  private sweep(): void {
    const now = this.now();
    for (const f of this.active.values()) {
      if (f.expiresAtMs !== null && now >= f.expiresAtMs) {
        this.active.delete(f.id);
        this.log(f, 'expired');
      }
    }
  }

  /** The first active fault of `kind` that matches the scope (expired ones are dropped). */
  match(kind: FaultKind, scope: MatchScope = {}): ActiveFault | undefined {
    if (this.active.size === 0) return undefined;
    const now = this.now();
    for (const f of this.active.values()) {
      if (f.expiresAtMs !== null && now >= f.expiresAtMs) {
        this.active.delete(f.id);
        this.log(f, 'expired');
        continue;
      }
      if (f.kind !== kind) continue;
      if (f.venue !== undefined && scope.venue !== undefined && f.venue !== scope.venue) continue;
      if (f.stream !== undefined && (scope.stream === undefined || !streamMatches(f.stream, scope.stream))) continue;
      if (f.symbol !== undefined && (scope.symbol === undefined || f.symbol.toUpperCase() !== scope.symbol.toUpperCase())) continue;
      if (f.path !== undefined && (scope.path === undefined || !scope.path.startsWith(f.path))) continue;
      return f;
    }
    return undefined;
  }

  /** Count one application; a fault with a count disappears when exhausted. */
  consume(fault: ActiveFault, detail?: string): void {
    fault.hits++;
    this.log(fault, 'applied', detail);
    if (fault.remaining !== null) {
      fault.remaining--;
      if (fault.remaining <= 0) {
        this.active.delete(fault.id);
        this.log(fault, 'exhausted');
      }
    }
  }

  /** Note that a one-shot fault was carried out (close, restart). */
  applied(fault: ActiveFault, detail?: string): void {
    fault.hits++;
    this.log(fault, 'applied', detail);
  }

  /** Clear one fault by id, or all when no id. Returns how many were removed. */
  clear(id?: string): number {
    if (id === undefined) {
      const n = this.active.size;
      for (const f of this.active.values()) this.log(f, 'cleared');
      this.active.clear();
      return n;
    }
    const f = this.active.get(id);
    if (!f) return 0;
    this.active.delete(id);
    this.log(f, 'cleared');
    return 1;
  }

  list(): ActiveFault[] {
    this.sweep();
    return [...this.active.values()].map((f) => ({ ...f }));
  }

  log(fault: ActiveFault | null = null, event?: FaultLogEntry['event'], detail?: string): FaultLogEntry[] {
    if (fault === null || event === undefined) return [...this.entries];
    const atMs = this.now();
    const entry: FaultLogEntry = {
      atMs, at: new Date(atMs).toISOString(), id: fault.id, kind: fault.kind, event,
      ...(fault.venue !== undefined ? { venue: fault.venue } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
    this.entries.push(entry);
    if (this.entries.length > this.maxLog) this.entries.splice(0, this.entries.length - this.maxLog);
    return [entry];
  }

  /** Log entries oldest first. */
  history(): FaultLogEntry[] {
    return [...this.entries];
  }

  get size(): number {
    return this.active.size;
  }
}

function streamMatches(pattern: string, stream: string): boolean {
  if (pattern === stream) return true;
  const p = pattern.toLowerCase();
  const s = stream.toLowerCase();
  return p === s || s.endsWith(p.startsWith('@') || p.startsWith('.') ? p : `@${p}`) || s.startsWith(`${p}.`);
}

function describe(f: ActiveFault): string {
  const parts: string[] = [];
  for (const k of ['stream', 'symbol', 'count', 'durationMs', 'delayMs', 'code', 'status', 'retryAfterS', 'bytesPerSec', 'mode', 'downMs', 'path'] as const) {
    const v = f[k];
    if (v !== undefined) parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}
