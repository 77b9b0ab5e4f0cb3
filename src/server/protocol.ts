/**
 * Wire protocol of the downstream server: JSON text frames over one WebSocket.
 *
 * | direction | message | meaning |
 * |---|---|---|
 * | client → server | `{"op":"subscribe","channels":[...],"resume":{"<ch>":{"epoch":E,"seq":S}}}` | Subscribe; `resume` (optional, per channel) gives the last (epoch, seq) the client holds. |
 * | client → server | `{"op":"unsubscribe","channels":[...]}` | Stop a subscription (answered by `unsubscribed`). |
 * | client → server | `{"op":"ping"}` | Application-level ping (answered by `pong`). Protocol pings are separate. |
 * | server → client | `{"type":"subscribed","channel","epoch","seq"}` | Subscription active; the next `data` on the channel has seq `seq + 1`. |
 * | server → client | `{"type":"data","channel","seq","epoch","data"}` | One message. `seq` counts from 1 within an epoch, +1 per message. |
 * | server → client | `{"type":"resync_required","channel","reason","epoch","seq"}` | The client's history cannot be continued: `epoch_changed` (new epoch, e.g. gateway restart or book resync; also sent live to subscribers) or `too_far_behind` (resume seq fell out of the ring). Drop local state for the channel; data continues from `seq + 1` of `epoch`. |
 * | server → client | `{"type":"gap","channel","from","to","reason":"slow_consumer"}` | Messages `from..to` (inclusive) of a non-conflatable channel were dropped for this client because it read too slowly. |
 * | server → client | `{"type":"gap","channel","reason":"upstream","seq","epoch","source","fromTradeId","toTradeId","code","detail"}` | On `trades.<venue>.<symbol>`: the venue's trades `fromTradeId..toTradeId` (inclusive; `toTradeId` null = up to the next trade received) will never be delivered (declared unrecoverable upstream: `code` e.g. `max_resume_exceeded`, `history_window_exceeded`, `backfill_failed`). It sits in the channel's order at `seq` (the next `data` is `seq + 1`), is kept in the resume ring and is never dropped for a slow client. |
 * | server → client | `{"type":"unsubscribed","channel"}` | Subscription removed. |
 * | server → client | `{"type":"error","code","message","channel"?}` | A request was refused; the connection stays open. Codes: `bad_message`, `unknown_op`, `invalid_channel`, `too_many_channels`, `rate_limited`, `channel_not_served` (well-formed but the gateway does not serve that venue/symbol), `channel_limit` (the server holds its limit of channels and this one does not exist yet), `breaker_open` (the venue's upstream circuit breaker is open; subscribe again later). |
 * | server → client | `{"type":"pong"}` | Answer to `ping`. |
 * | server → client | `{"type":"batch","messages":[...]}` | Only to a client that connected with `?batch=1`: the messages written to it in one turn, in order, each exactly as it would have been sent alone (seq, gap and resync rules apply to them one by one). A client that did not opt in never gets one. |
 *
 * Rules: on a subscribe without resume the server sends `subscribed` at the current seq (for a
 * conflatable channel: one before it, followed by the latest message, so a dashboard gets the
 * current state at once). With resume in the same epoch and within the ring: `subscribed` at the
 * client's seq, then every missed message in order, then live; no duplicate, no gap. Otherwise
 * `resync_required`, then `subscribed` at the current seq. On conflatable channels (snapshots,
 * book, status) a slow client may receive only the latest message: seq then jumps, and that
 * means "superseded", never "lost". Anywhere else a jump is always announced by a `gap`. Every
 * drop happens in the server's per-client queue, after the seq was assigned, so it is always
 * announced; the gateway hands every trade and declared trade gap to the channel in order.
 *
 * Connection query parameters: `token` (auth; the `Authorization: Bearer` header is preferred),
 * `channels` (comma-separated channels the client will subscribe to; admission refuses the
 * connection with 1013 when the upstream breaker of one of their venues is open), `batch=1`
 * (several messages per WebSocket frame, see `batch` above; TickgateClient asks for it).
 *
 * Close codes (also refused upgrades: HTTP 401 for a bad or missing token, 403 for a non-loopback
 * peer when no token is configured):
 *
 * | code | when |
 * |---|---|
 * | 1001 | server shutting down |
 * | 1008 | policy: client sent more than twice its incoming message rate limit in one second |
 * | 1009 | incoming frame larger than the limit (ws) |
 * | 1011 | connection setup failed on the server |
 * | 1013 | admission refused, try again later; reason text: `connections`, `event_loop_lag`, `memory`, `breaker_open:<venue>` |
 * | 4000 | idle: no subscription and no message from the client for the idle timeout |
 * | 4008 | slow consumer: the client kept its send queue full past the slow-consumer timeout |
 *
 * A client that stops answering protocol pings is terminated without a close frame (1006 on its side).
 */

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_SETUP_FAILED = 1011;
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_IDLE = 4000;
export const CLOSE_SLOW_CONSUMER = 4008;

/** Last position a client holds on a channel. */
export interface ChannelPosition {
  readonly epoch: number;
  readonly seq: number;
}

export interface SubscribeRequest {
  readonly op: 'subscribe';
  readonly channels: readonly string[];
  readonly resume?: Readonly<Record<string, ChannelPosition>>;
}
export interface UnsubscribeRequest {
  readonly op: 'unsubscribe';
  readonly channels: readonly string[];
}
export interface PingRequest {
  readonly op: 'ping';
}
export type ClientMessage = SubscribeRequest | UnsubscribeRequest | PingRequest;

export interface DataMessage<T = unknown> {
  readonly type: 'data';
  readonly channel: string;
  readonly seq: number;
  readonly epoch: number;
  readonly data: T;
}
export interface SubscribedMessage {
  readonly type: 'subscribed';
  readonly channel: string;
  readonly epoch: number;
  readonly seq: number;
}
export type ResyncReason = 'epoch_changed' | 'too_far_behind';
export interface ResyncRequiredMessage {
  readonly type: 'resync_required';
  readonly channel: string;
  readonly reason: ResyncReason;
  readonly epoch: number;
  readonly seq: number;
}
export interface GapMessage {
  readonly type: 'gap';
  readonly channel: string;
  readonly from: number;
  readonly to: number;
  readonly reason: 'slow_consumer';
}
/**
 * A declared, unrecoverable hole in a venue's trade stream, in order with the trades (it takes a
 * seq of its own). Trade ids are the venue's; toTradeId null = unknown end (up to the next trade).
 */
export interface UpstreamGapMessage {
  readonly type: 'gap';
  readonly reason: 'upstream';
  readonly channel: string;
  readonly seq: number;
  readonly epoch: number;
  /** The venue stream the hole is in ("trade", "aggTrade"). */
  readonly source: string;
  readonly fromTradeId: number;
  readonly toTradeId: number | null;
  /** Stable code from integrity: "max_resume_exceeded", "history_window_exceeded", "backfill_failed", "no_fetcher". */
  readonly code: string;
  readonly detail: string;
}
export interface UnsubscribedMessage {
  readonly type: 'unsubscribed';
  readonly channel: string;
}
export type ErrorCode = 'bad_message' | 'unknown_op' | 'invalid_channel' | 'too_many_channels' | 'rate_limited'
  | 'channel_not_served' | 'channel_limit' | 'breaker_open';
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly channel?: string;
}
export interface PongMessage {
  readonly type: 'pong';
}
/** Several messages in one frame, in order (only with `?batch=1`). */
export interface BatchMessage<T = unknown> {
  readonly type: 'batch';
  readonly messages: readonly ServerMessage<T>[];
}
export type ServerMessage<T = unknown> =
  | DataMessage<T>
  | SubscribedMessage
  | ResyncRequiredMessage
  | GapMessage
  | UpstreamGapMessage
  | UnsubscribedMessage
  | ErrorMessage
  | PongMessage;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: ErrorMessage };

function bad(code: ErrorCode, message: string): ParsedClientMessage {
  return { ok: false, error: { type: 'error', code, message } };
}

function isPosition(v: unknown): v is ChannelPosition {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as { epoch?: unknown; seq?: unknown };
  return Number.isSafeInteger(p.epoch) && Number.isSafeInteger(p.seq) && (p.seq as number) >= 0;
}

/** Validates one incoming text frame. Channel names are validated later, one by one. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return bad('bad_message', 'message is not valid JSON'); }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('bad_message', 'message must be a JSON object');
  const m = raw as Record<string, unknown>;
  switch (m.op) {
    case 'ping':
      return { ok: true, message: { op: 'ping' } };
    case 'subscribe':
    case 'unsubscribe': {
      const channels = m.channels;
      if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => typeof c === 'string')) {
        return bad('bad_message', `${m.op}: "channels" must be a non-empty array of strings`);
      }
      if (m.op === 'unsubscribe') return { ok: true, message: { op: 'unsubscribe', channels: channels as string[] } };
      let resume: Record<string, ChannelPosition> | undefined;
      if (m.resume !== undefined) {
        if (typeof m.resume !== 'object' || m.resume === null || Array.isArray(m.resume)) return bad('bad_message', 'subscribe: "resume" must be an object of {epoch, seq} by channel');
        resume = {};
        for (const [ch, pos] of Object.entries(m.resume)) {
          if (!isPosition(pos)) return bad('bad_message', `subscribe: resume for "${ch.slice(0, 80)}" must be {epoch: integer, seq: integer >= 0}`);
          resume[ch] = { epoch: pos.epoch, seq: pos.seq };
        }
      }
      return { ok: true, message: resume ? { op: 'subscribe', channels: channels as string[], resume } : { op: 'subscribe', channels: channels as string[] } };
    }
    default:
      return bad('unknown_op', `unknown op ${JSON.stringify(m.op)?.slice(0, 40) ?? 'undefined'} (expected subscribe, unsubscribe or ping)`);
  }
}
