/**
 * Who may connect. With a token configured, a request must carry it (`Authorization: Bearer <t>`
 * or `?token=<t>`); without one, only loopback peers are accepted. The token is compared in
 * constant time and never logged (callers log the path only).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export type AuthDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: 'missing_token' | 'bad_token' | 'not_loopback' };

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** True for hosts that only loopback peers can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** The token a request presents, from the Authorization header or the `token` query parameter. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    if (m) return m[1];
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class Authenticator {
  private readonly tokenDigest: Buffer | null;

  constructor(
    token: string | undefined,
    /** Peer address of a request; injected so tests can pose as a remote peer. */
    private readonly remoteAddress: (req: IncomingMessage) => string | undefined = (req) => req.socket.remoteAddress,
  ) {
    this.tokenDigest = token ? digest(token) : null;
  }

  get tokenRequired(): boolean { return this.tokenDigest !== null; }

  peer(req: IncomingMessage): string {
    return this.remoteAddress(req) ?? 'unknown';
  }

  check(req: IncomingMessage): AuthDecision {
    if (this.tokenDigest === null) {
      return isLoopbackAddress(this.remoteAddress(req)) ? { ok: true } : { ok: false, status: 403, reason: 'not_loopback' };
    }
    const t = presentedToken(req);
    if (t === undefined) return { ok: false, status: 401, reason: 'missing_token' };
    return timingSafeEqual(digest(t), this.tokenDigest) ? { ok: true } : { ok: false, status: 401, reason: 'bad_token' };
  }
}

/** A request path with the query removed (never log a URL that may carry ?token=). */
export function pathOnly(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}
