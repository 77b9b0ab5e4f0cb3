/**
 * Binance user data streams: listenKeys created/kept alive/deleted over REST, expiring after
 * 60 min without a keepalive (then a `listenKeyExpired` event on /ws/<listenKey>), and private
 * events (executionReport, outboundAccountPosition) triggered from the admin API.
 */
import { randomBytes } from 'node:crypto';
import type { SimClient, StreamHub } from '../ws-hub.js';

interface KeyState {
  expiresAtMs: number;
  expired: boolean;
  readonly clients: Set<SimClient>;
  orderSeq: number;
}

export type UserEventType = 'executionReport' | 'outboundAccountPosition' | 'listenKeyExpired';

export class UserDataStreams {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly hub: StreamHub, private readonly now: () => number, private readonly ttlMs: number) {}

  static isListenKey(name: string): boolean {
    return /^[A-Za-z0-9]{60}$/.test(name);
  }

  create(): string {
    // Real keys are 60 alphanumerics; one per account, POST again returns the same key while valid.
    for (const [key, s] of this.keys) if (!s.expired) {
      s.expiresAtMs = this.now() + this.ttlMs;
      return key;
    }
    const key = randomBytes(45).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 60);
    this.keys.set(key, { expiresAtMs: this.now() + this.ttlMs, expired: false, clients: new Set(), orderSeq: 1 });
    return key;
  }

  keepAlive(key: string): boolean {
    const s = this.keys.get(key);
    if (!s || s.expired) return false;
    s.expiresAtMs = this.now() + this.ttlMs;
    return true;
  }

  delete(key: string): boolean {
    const s = this.keys.get(key);
    if (!s) return false;
    this.keys.delete(key);
    for (const c of s.clients) c.ws.close(1000, 'listenKey deleted');
    return true;
  }

  valid(key: string): boolean {
    const s = this.keys.get(key);
    return s !== undefined && !s.expired;
  }

  attach(key: string, client: SimClient): void {
    const s = this.keys.get(key);
    if (!s) return;
    s.clients.add(client);
    client.ws.once('close', () => s.clients.delete(client));
  }

  /** Expire keys whose keepalive lapsed; called on a timer. */
  sweep(): void {
    const now = this.now();
    for (const [key, s] of this.keys) {
      if (!s.expired && now >= s.expiresAtMs) this.emit(key, 'listenKeyExpired');
    }
  }

  /** Push one private event to a key (or all valid keys when `key` is undefined). Returns keys hit. */
  emit(key: string | undefined, type: UserEventType): string[] {
    const now = this.now();
    const targets = key === undefined ? [...this.keys.keys()].filter((k) => this.valid(k)) : [key];
    const hit: string[] = [];
    for (const k of targets) {
      const s = this.keys.get(k);
      if (!s) continue;
      let text: string;
      if (type === 'listenKeyExpired') {
        s.expired = true;
        text = `{"e":"listenKeyExpired","E":${now},"listenKey":"${k}"}`;
      } else if (type === 'executionReport') {
        const id = s.orderSeq++;
        text = `{"e":"executionReport","E":${now},"s":"BTCUSDT","c":"sim${id}","S":"BUY","o":"LIMIT","f":"GTC","q":"0.00100000","p":"61000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":${id},"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":${now},"t":-1,"v":0,"I":${id * 2},"w":true,"m":false,"M":false,"O":${now},"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":${now},"V":"EXPIRE_MAKER"}`;
      } else {
        text = `{"e":"outboundAccountPosition","E":${now},"u":${now},"B":[{"a":"BTC","f":"1.00000000","l":"0.00000000"},{"a":"USDT","f":"10000.00000000","l":"0.00000000"}]}`;
      }
      for (const c of s.clients) this.hub.sendTo(c, text);
      hit.push(k);
    }
    this.hub.flush();
    return hit;
  }

  count(): number {
    return this.keys.size;
  }
}
