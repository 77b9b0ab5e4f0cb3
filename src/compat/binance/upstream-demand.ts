/**
 * One upstream subscription per stream, however many clients ask: reference counts per upstream
 * stream name. Streams tickgate carries by config are never touched; any other is subscribed at
 * the venue on first demand (through the gateway's connection, its rate limits and integrity)
 * and released a grace period after its last client left, so a reconnecting bot does not churn
 * the venue subscription.
 */
import { CompatError } from './errors.js';

export interface UpstreamControl {
  /** True when the stream is part of tickgate's configured feed. */
  isConfigured(stream: string): boolean;
  subscribe(stream: string): Promise<void>;
  unsubscribe(stream: string): Promise<void>;
}

export interface UpstreamDemandOptions {
  readonly control: UpstreamControl;
  readonly maxOnDemandStreams: number;
  readonly releaseGraceMs: number;
  readonly onError?: (stream: string, err: unknown) => void;
}

export class UpstreamDemand {
  private readonly refs = new Map<string, number>();
  /** On-demand streams subscribed (or being subscribed) upstream. */
  private readonly held = new Map<string, Promise<void>>();
  private readonly releases = new Map<string, NodeJS.Timeout>();
  readonly counters = { subscribes: 0, unsubscribes: 0, refused: 0, failures: 0 };

  constructor(private readonly opts: UpstreamDemandOptions) {}

  /** Takes a reference; resolves once the stream flows upstream (rejects with a CompatError). */
  async acquire(stream: string): Promise<void> {
    this.refs.set(stream, (this.refs.get(stream) ?? 0) + 1);
    if (this.opts.control.isConfigured(stream)) return;
    const timer = this.releases.get(stream);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.releases.delete(stream);
    }
    let p = this.held.get(stream);
    if (p === undefined) {
      if (this.held.size >= this.opts.maxOnDemandStreams) {
        this.unref(stream);
        this.counters.refused++;
        throw new CompatError('E_COMPAT_UPSTREAM_LIMIT', `Invalid request: tickgate holds its maximum of ${this.opts.maxOnDemandStreams} on-demand upstream streams`, 2);
      }
      this.counters.subscribes++;
      p = this.opts.control.subscribe(stream);
      this.held.set(stream, p);
      p.catch(() => { if (this.held.get(stream) === p) this.held.delete(stream); });
    }
    try {
      await p;
    } catch (err) {
      this.counters.failures++;
      this.unref(stream);
      this.opts.onError?.(stream, err);
      throw new CompatError('E_COMPAT_UPSTREAM_SUBSCRIBE', `Invalid request: upstream subscription of ${stream} failed`, 2);
    }
  }

  /** Drops a reference; the last one schedules the upstream release after the grace period. */
  release(stream: string): void {
    if (!this.unref(stream) || !this.held.has(stream) || this.releases.has(stream)) return;
    const t = setTimeout(() => {
      this.releases.delete(stream);
      if ((this.refs.get(stream) ?? 0) > 0) return;
      const p = this.held.get(stream);
      this.held.delete(stream);
      this.counters.unsubscribes++;
      void Promise.resolve(p).then(() => this.opts.control.unsubscribe(stream)).catch((err: unknown) => this.opts.onError?.(stream, err));
    }, this.opts.releaseGraceMs);
    t.unref?.();
    this.releases.set(stream, t);
  }

  /** True when the last reference went. */
  private unref(stream: string): boolean {
    const n = (this.refs.get(stream) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(stream, n);
      return false;
    }
    this.refs.delete(stream);
    return true;
  }

  /** Upstream streams asked by clients (distinct), and the on-demand ones held at the venue. */
  stats(): { asked: number; heldOnDemand: number; pendingRelease: number } {
    return { asked: this.refs.size, heldOnDemand: this.held.size, pendingRelease: this.releases.size };
  }

  close(): void {
    for (const t of this.releases.values()) clearTimeout(t);
    this.releases.clear();
  }
}
