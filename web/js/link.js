// The page's WebSocket to the gateway (protocol: src/server/protocol.ts). Reconnects with capped,
// jittered exponential backoff; resumes every channel from its last (epoch, seq); on a first
// subscribe it asks the server's resume ring for recent history so charts start filled.

/** Backoff of the page's reconnects (same shape as the typed Node client's defaults). */
export const RECONNECT_INITIAL_MS = 250;
export const RECONNECT_MAX_MS = 5_000;
export const RECONNECT_FACTOR = 2;
export const RECONNECT_JITTER_RATIO = 0.2;
/** Application ping period; the socket counts as dead after DEAD_AFTER_MS without any message. */
export const APP_PING_INTERVAL_MS = 3_000;
export const DEAD_AFTER_MS = 10_000;

/**
 * @typedef {{ epoch: number, seq: number }} Position
 * @typedef {{ history: number, pos: Position | null, phase: 'live' | 'backfill' | 'resubscribe' }} ChannelEntry
 * @typedef {'connecting' | 'open' | 'reconnecting'} LinkState
 */

export class GatewayLink {
  /**
   * @param {{ url: string,
   *   onData: (channel: string, data: unknown) => void,
   *   onReset?: (channel: string, reason: string) => void,
   *   onGap?: (channel: string, from: number, to: number) => void,
   *   onState?: () => void }} opts
   */
  constructor(opts) {
    this.url = opts.url;
    this.opts = opts;
    /** @type {Map<string, ChannelEntry>} */
    this.channels = new Map();
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {LinkState} */
    this.state = 'connecting';
    this.attempt = 0;
    this.everOpened = false;
    this.openedAt = 0;
    this.lostAt = 0;
    this.nextRetryAt = 0;
    this.lastMessageAt = 0;
    /** @type {{ code: number, reason: string } | null} */
    this.lastClose = null;
    this.reconnects = 0;
    this.gaps = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.lastClose = { code: 0, reason: String(err) };
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.everOpened = true;
      this.openedAt = Date.now();
      this.lastMessageAt = Date.now();
      this.setState('open');
      this.sendSubscribe([...this.channels.keys()]);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.checkAlive(ws), APP_PING_INTERVAL_MS);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastMessageAt = Date.now();
      // A message proves the gateway is really serving: only now forget the backoff.
      this.attempt = 0;
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      this.onMessage(m);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.lastClose = { code: ev.code, reason: ev.reason };
      this.dropSocket();
      this.scheduleRetry();
    };
    ws.onerror = () => { /* close follows */ };
  }

  /** @param {string[]} names @param {number} history messages of recent history wanted on first subscribe */
  subscribe(names, history = 0) {
    const fresh = names.filter((n) => !this.channels.has(n));
    for (const n of fresh) this.channels.set(n, { history, pos: null, phase: 'live' });
    if (fresh.length > 0) this.sendSubscribe(fresh);
  }

  /** @param {string[]} names */
  unsubscribe(names) {
    const known = names.filter((n) => this.channels.delete(n));
    if (known.length > 0) this.send({ op: 'unsubscribe', channels: known });
  }

  /** @param {string[]} names */
  sendSubscribe(names) {
    if (names.length === 0) return;
    /** @type {Record<string, Position>} */
    const resume = {};
    for (const n of names) {
      const e = this.channels.get(n);
      if (e && e.pos) resume[n] = e.pos;
    }
    this.send(Object.keys(resume).length > 0 ? { op: 'subscribe', channels: names, resume } : { op: 'subscribe', channels: names });
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  onMessage(m) {
    const e = typeof m.channel === 'string' ? this.channels.get(m.channel) : undefined;
    switch (m.type) {
      case 'subscribed':
        if (!e) return;
        if (e.phase === 'resubscribe') {
          // Answer to the history request: data from m.seq + 1 follows.
          e.phase = 'live';
          e.pos = { epoch: m.epoch, seq: m.seq };
          return;
        }
        if (e.pos === null && e.history > 0 && m.seq > 0) {
          // Ask again with a resume position inside the server's ring; drop what comes meanwhile.
          e.phase = 'backfill';
          e.pos = { epoch: m.epoch, seq: Math.max(0, m.seq - e.history) };
          this.send({ op: 'unsubscribe', channels: [m.channel] });
          return;
        }
        e.pos = { epoch: m.epoch, seq: m.seq };
        return;
      case 'unsubscribed':
        if (e && e.phase === 'backfill') {
          e.phase = 'resubscribe';
          this.send({ op: 'subscribe', channels: [m.channel], resume: { [m.channel]: e.pos } });
        }
        return;
      case 'data':
        if (!e || e.phase !== 'live') return;
        if (e.pos && e.pos.epoch === m.epoch && m.seq <= e.pos.seq) return; // already seen
        e.pos = { epoch: m.epoch, seq: m.seq };
        this.opts.onData(m.channel, m.data);
        return;
      case 'resync_required':
        if (!e) return;
        e.pos = { epoch: m.epoch, seq: m.seq };
        if (e.phase === 'resubscribe') e.phase = 'live';
        this.opts.onReset?.(m.channel, m.reason);
        return;
      case 'gap':
        this.gaps++;
        // An upstream hole (declared by integrity) is a message of its own, with its own seq.
        if (m.reason === 'upstream' && e && typeof m.seq === 'number') e.pos = { epoch: m.epoch, seq: m.seq };
        this.opts.onGap?.(m.channel, m.from ?? m.fromTradeId, m.to ?? m.toTradeId);
        return;
      default:
        return;
    }
  }

  /** Half-open sockets look open forever: ping, and give up on silence. */
  checkAlive(ws) {
    if (this.ws !== ws) return;
    if (Date.now() - this.lastMessageAt > DEAD_AFTER_MS) {
      this.lastClose = { code: 0, reason: `no message for ${Math.round(DEAD_AFTER_MS / 1000)} s` };
      this.dropSocket();
      try { ws.close(); } catch { /* already closing */ }
      this.scheduleRetry();
      return;
    }
    this.send({ op: 'ping' });
  }

  dropSocket() {
    clearInterval(this.pingTimer);
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
    }
    this.ws = null;
    // A backfill in flight is abandoned: start over with a plain subscribe (or resume if live).
    for (const e of this.channels.values()) {
      if (e.phase !== 'live') { e.phase = 'live'; e.pos = null; e.history = 0; }
    }
  }

  scheduleRetry() {
    if (this.state === 'open' || !this.lostAt) this.lostAt = Date.now();
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * RECONNECT_FACTOR ** this.attempt);
    const delay = Math.round(base * (1 - RECONNECT_JITTER_RATIO + 2 * RECONNECT_JITTER_RATIO * Math.random()));
    this.attempt++;
    this.reconnects++;
    this.nextRetryAt = Date.now() + delay;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** @param {LinkState} s */
  setState(s) {
    if (s === 'open') this.lostAt = 0;
    this.state = s;
    this.opts.onState?.();
  }
}
