/**
 * Which collectors are alive (standbys holding no shard included), for balanced leases and
 * `tickgate status`: each one puts `presence.<instance>` into the lease bucket every renew round; the bucket's max age (the lease TTL) removes the key of one that
 * stopped beating, and a graceful stop deletes it.
 */
import type { KV } from '@nats-io/kv';
import { token } from './names.js';

const PREFIX = 'presence.';

export const presenceKey = (instance: string): string => `${PREFIX}${token(instance)}`;

/** The instance of a presence key, or null for any other key. */
export const instanceOfPresenceKey = (key: string): string | null => (key.startsWith(PREFIX) ? key.slice(PREFIX.length) : null);

export class CollectorPresence {
  constructor(private readonly kv: KV, private readonly instance: string, private readonly now: () => number = Date.now) {}

  async beat(): Promise<void> {
    await this.kv.put(presenceKey(this.instance), new TextEncoder().encode(JSON.stringify({ instance: this.instance, at: this.now() })));
  }

  /** Live collectors (this one included once it has beaten). */
  async live(): Promise<number> {
    let n = 0;
    for await (const _key of await this.kv.keys(`${PREFIX}>`)) n++;
    return n;
  }

  async leave(): Promise<void> {
    await this.kv.delete(presenceKey(this.instance));
  }
}
