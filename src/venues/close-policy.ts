/** Close/upgrade policy helpers shared by venue rules (Retry-After parsing, common codes). */
import type { ClosePolicy } from '../connection/protocol.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Retry-After in ms from seconds or an HTTP date; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(headers: Headers, fallbackMs: number, now = Date.now()): number {
  const raw = headers['retry-after'] ?? headers['Retry-After'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v.trim() === '') return fallbackMs;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - now);
}

/** The part of an upgrade policy every venue shares: 429/418 wait, 5xx retry, 401 stop. */
export function commonUpgradePolicy(status: number, headers: Headers, rateLimitBackoffMs: number): ClosePolicy | null {
  if (status === 429 || status === 418) {
    return { action: 'rate_limited', retryAfterMs: retryAfterMs(headers, rateLimitBackoffMs), reason: `HTTP ${status} on upgrade` };
  }
  if (status === 401) return { action: 'fatal', reason: 'HTTP 401 on upgrade: bad credentials' };
  if (status >= 500) return { action: 'transient', reason: `HTTP ${status} on upgrade` };
  return null;
}
