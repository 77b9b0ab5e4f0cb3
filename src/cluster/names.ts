/**
 * Names of the cluster's JetStream objects, all derived from the namespace so that several
 * clusters (and every test) can share one NATS without touching each other.
 */

const TOKEN_BAD = /[.*>\s]/g;

/** A subject token: dots, wildcards and whitespace would change the subject's shape. */
export function token(s: string): string {
  const t = s.replace(TOKEN_BAD, '_');
  return t.length === 0 ? '_' : t;
}

export const leaseBucketName = (ns: string): string => `${ns}-leases`;
export const eventStreamName = (ns: string): string => `${ns}-events`;
/** All events of the namespace: the stream's one subject filter. */
export const eventSubjectFilter = (ns: string): string => `${ns}.events.>`;

export function eventSubject(ns: string, venue: string, symbol: string, kind: string): string {
  return `${ns}.events.${token(venue)}.${token(symbol)}.${token(kind)}`;
}

/** KV key of one lease slot of a shard (slot < redundancy). */
export function leaseKey(shard: number, slot: number): string {
  return `shard.${shard}.slot.${slot}`;
}

export function parseLeaseKey(key: string): { shard: number; slot: number } | null {
  const m = /^shard\.(\d+)\.slot\.(\d+)$/.exec(key);
  return m ? { shard: Number(m[1]), slot: Number(m[2]) } : null;
}
