/**
 * Per-account private streams (Binance user data): one listenKey manager and one connection per
 * account. The key is created before the first connect, kept alive by the manager, and renewed when
 * the venue says it expired or refuses it; the connection then rotates onto the new key. The key never leaves this
 * process: URLs are redacted in every log, metric and error.
 */
import type { ConnectionManager, ConnectionOptions } from '../connection/index.js';
import { BinanceRest } from '../venues/binance/rest.js';
import { ListenKeyManager } from '../venues/binance/listen-key.js';
import { binanceUserStreamProtocol } from '../venues/binance/rules.js';
import { BinanceDecoder } from '../venues/binance/decode.js';
import type { MarketEvent } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import { VenueFeed } from './venue-feed.js';

export interface PrivateAccount {
  /** Account id as configured (a label, never a key). */
  readonly id: string;
  readonly apiKey: string;
}

export interface PrivateFeed {
  readonly account: string;
  readonly feed: VenueFeed;
  readonly listenKeys: ListenKeyManager;
}

export function binancePrivateFeeds(opts: {
  readonly accounts: readonly PrivateAccount[];
  readonly wsBaseUrl: string;
  readonly restBaseUrl: string;
  readonly manager: ConnectionManager;
  readonly connectionOptions?: Partial<ConnectionOptions>;
  readonly onEvent: (e: MarketEvent) => void;
  readonly logger: Logger;
}): PrivateFeed[] {
  return opts.accounts.map((acct) => {
    const log = opts.logger.child({ account: acct.id });
    const rest = new BinanceRest({ restBaseUrl: opts.restBaseUrl, apiKey: acct.apiKey, logger: log });
    // Every connect reads the current key; a key refused at upgrade triggers the renewal.
    const listenKeys = new ListenKeyManager({ account: acct.id, api: rest, logger: log });
    const protocol = binanceUserStreamProtocol({
      wsBaseUrl: opts.wsBaseUrl,
      listenKey: () => listenKeys.current(),
      // listenKeyExpired (the socket may stay open but carries nothing more) or a key refused at
      // upgrade: renew, then move a live connection onto the new key (make-before-break).
      onListenKeyRejected: () => {
        void listenKeys.renew('expired or rejected by the venue').then(
          () => { for (const conn of feed.connectionList()) if (conn.state === 'connected') void conn.rotate(); },
          (err: unknown) => log.error({ err }, 'listenKey renewal failed'),
        );
      },
    });
    const feed = new VenueFeed({
      venue: 'binance', key: `binance-user:${acct.id}`, protocol, streams: [],
      decoder: () => new BinanceDecoder({ account: acct.id }),
      integrity: {},
      manager: opts.manager,
      connectionOptions: opts.connectionOptions,
      onEvent: opts.onEvent,
      logger: log,
      beforeConnect: async () => { if (!listenKeys.hasKey()) await listenKeys.start(); },
    });
    return { account: acct.id, feed, listenKeys };
  });
}
