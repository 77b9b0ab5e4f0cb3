/**
 * Per-account Binance listenKey lifecycle: create, keep alive every 30 min, renew on
 * listenKeyExpired or a rejected keep-alive (401, -1125 "listenKey does not exist"). The key is a
 * bearer secret (anyone holding it reads the account's stream): it never goes into a log line,
 * a stat or an error message; logs name the account only.
 */
import { TickgateError } from '../../model/errors.js';
import { venuesDefaults } from '../../config/defaults/venues.js';
import { silentLogger, type Logger } from '../../observability/logger.js';

/** The REST calls the manager needs (BinanceRest provides them). */
export interface ListenKeyApi {
  createListenKey(): Promise<string>;
  keepAliveListenKey(listenKey: string): Promise<void>;
  deleteListenKey(listenKey: string): Promise<void>;
}

export interface ListenKeyTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface ListenKeyManagerOptions {
  /** Account id as configured (appears in logs; never the key). */
  readonly account: string;
  readonly api: ListenKeyApi;
  readonly keepaliveMs?: number;
  /** Called with the new key after every create/renew (the lead reconnects the user stream). */
  readonly onKey?: (listenKey: string) => void;
  readonly logger?: Logger;
  readonly timers?: ListenKeyTimers;
}

export class ListenKeyError extends TickgateError {
  constructor(account: string, what: string, cause: unknown) {
    const status = typeof cause === 'object' && cause !== null && 'status' in cause ? Number((cause as { status: unknown }).status) : null;
    super('E_LISTEN_KEY', `binance account "${account}": ${what} failed`, { context: { account, status }, retryable: true, cause: scrubbed(cause) });
  }
}

/** Keep the cause's code and class but drop anything that could echo the key back. */
function scrubbed(cause: unknown): unknown {
  if (cause instanceof TickgateError) return { name: cause.name, code: cause.code, context: cause.context };
  return cause instanceof Error ? { name: cause.name } : undefined;
}

const REJECTED = /(-1125|listenkey does not exist|401)/i;

export class ListenKeyManager {
  private key: string | null = null;
  private timer: unknown = null;
  private renewing: Promise<string> | null = null;
  private stopped = false;
  private readonly log: Logger;
  private readonly timers: ListenKeyTimers;
  private readonly counters = { created: 0, keepalives: 0, keepaliveFailures: 0, renewals: 0, deleteFailures: 0 };

  constructor(private readonly opts: ListenKeyManagerOptions) {
    this.log = opts.logger ?? silentLogger();
    this.timers = opts.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
  }

  /** Create the first key and start the keep-alive timer. */
  async start(): Promise<string> {
    this.stopped = false;
    const key = await this.create('create');
    this.timer ??= this.timers.setInterval(() => void this.keepAlive(), this.opts.keepaliveMs ?? venuesDefaults.binance.listenKeyKeepaliveMs);
    return key;
  }

  /** The current key, for the user stream URL. Throws before start(). */
  current(): string {
    if (this.key === null) throw new TickgateError('E_LISTEN_KEY', `binance account "${this.opts.account}": no listenKey yet (call start())`, { context: { account: this.opts.account } });
    return this.key;
  }

  hasKey(): boolean {
    return this.key !== null;
  }

  /** Replace the key (on listenKeyExpired or a rejected key). Concurrent calls share one renewal. */
  renew(reason = 'expired'): Promise<string> {
    this.renewing ??= (async () => {
      try {
        this.counters.renewals++;
        this.log.info({ account: this.opts.account, reason }, 'listen_key_renew');
        return await this.create('renew');
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /** One keep-alive now (the timer calls it every keepaliveMs). Never throws. */
  async keepAlive(): Promise<void> {
    const key = this.key;
    if (key === null || this.stopped) return;
    try {
      await this.opts.api.keepAliveListenKey(key);
      this.counters.keepalives++;
    } catch (err) {
      this.counters.keepaliveFailures++;
      const rejected = REJECTED.test(err instanceof Error ? err.message : '');
      this.log.warn({ account: this.opts.account, err: new ListenKeyError(this.opts.account, 'keep-alive', err).toJSON(), rejected }, 'listen_key_keepalive_failed');
      if (rejected) await this.renew('keepalive_rejected').catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearInterval(this.timer);
    this.timer = null;
    const key = this.key;
    this.key = null;
    if (key !== null) {
      await this.opts.api.deleteListenKey(key).catch(() => {
        this.counters.deleteFailures++;
      });
    }
  }

  stats(): { created: number; keepalives: number; keepaliveFailures: number; renewals: number; deleteFailures: number; hasKey: boolean } {
    return { ...this.counters, hasKey: this.key !== null };
  }

  private async create(what: string): Promise<string> {
    let key: string;
    try {
      key = await this.opts.api.createListenKey();
    } catch (err) {
      const e = new ListenKeyError(this.opts.account, what, err);
      this.log.error({ account: this.opts.account, err: e.toJSON() }, 'listen_key_create_failed');
      throw e;
    }
    this.key = key;
    this.counters.created++;
    this.log.info({ account: this.opts.account }, 'listen_key_created');
    this.opts.onKey?.(key);
    return key;
  }
}
