/**
 * startSimulator(): the composition of the simulator: one loopback server, the Binance spot and
 * USD-M futures, Bybit and equities venues, the generator, replay, faults and ground truth.
 */
import { simulatorDefaults as D } from '../src/config/defaults/simulator.js';
import { silentLogger, type Logger } from '../src/observability/logger.js';
import { adminHandler } from './admin.js';
import { BinanceRest } from './binance/rest.js';
import { UserDataStreams, type UserEventType } from './binance/user-data.js';
import { BinanceVenue } from './binance/venue.js';
import { BinanceWs } from './binance/ws.js';
import { BybitVenue } from './bybit/ws.js';
import { EquitiesVenue, type MarketHoursMode } from './equities/ws.js';
import { FaultController, type ActiveFault, type VenueId } from './faults.js';
import { Generator, type GeneratorStats, type RateProfile } from './generator.js';
import { generateHistory, HistoryError, type HistoryOptions, type HistoryResult } from './history.js';
import { GroundTruth } from './ground-truth.js';
import { Replayer, type ReplayOptions, type ReplayResult } from './replay.js';
import { SimServer } from './server.js';
import { isCryptoSymbol } from './symbols.js';
import { BybitKlines, BybitLinearTickers, publishMarkPrices } from './derivatives-streams.js';
import { StreamHub } from './ws-hub.js';

export interface SimulatorClock {
  now(): number;
}

export interface SimulatorOptions {
  readonly host?: '127.0.0.1';
  /** 0 = ephemeral. */
  readonly port?: number;
  readonly seed?: number;
  /** Generated trade events per second across all venues (0 = only sim.generate()). */
  readonly rate?: number;
  /** Crypto pairs go to Binance/Bybit, other tickers to the equities feed. */
  readonly symbols?: readonly string[];
  readonly marketHours?: MarketHoursMode;
  readonly clock?: SimulatorClock;
  readonly logger?: Logger;
  readonly tickMs?: number;
  readonly binance?: Partial<{
    pingIntervalMs: number; pongTimeoutMs: number; lifetimeMs: number; maxIncomingPerS: number; maxStreams: number;
    depthIntervalMs: number; klineIntervalMs: number; weightLimitPerMin: number; violationsBeforeBan: number; banS: number;
    listenKeyTtlMs: number; aggHistoryPerSymbol: number;
  }>;
  readonly bybit?: Partial<{ pingTimeoutMs: number; bookIntervalMs: number; tickersIntervalMs: number }>;
  readonly equities?: Partial<{ token: string; authCloseCode: number }>;
  readonly truthMaxRecordsPerSymbol?: number;
  /**
   * Trades held per (venue, symbol): ground truth and the Binance REST history are the same
   * ring, so this is also the venue's history window (older ids are no longer served).
   * Default truthMaxRecordsPerSymbol.
   */
  readonly historyTradesPerSymbol?: number;
  /** Venues the generator drives (default all); the rate is spread over their symbols only. */
  readonly venues?: readonly VenueId[];
  /** A rate schedule instead of the flat `rate` (bursts on purpose, no random ones). */
  readonly rateProfile?: RateProfile;
  /** Random 3-10x bursts on the flat rate (default true). */
  readonly randomBursts?: boolean;
  readonly maxBufferedBytes?: number;
  readonly restartDownMs?: number;
}

export interface SimulatorUrls {
  readonly binanceWs: string;
  readonly binanceStream: string;
  readonly binanceRest: string;
  readonly binanceFuturesWs: string;
  readonly binanceFuturesStream: string;
  readonly binanceFuturesRest: string;
  readonly bybitPublic: string;
  readonly equitiesWs: string;
  readonly admin: string;
}

export class Simulator {
  readonly faults: FaultController;
  readonly truth: GroundTruth;
  port = 0;
  private readonly server: SimServer;
  private readonly generator: Generator;
  private readonly binance: BinanceVenue;
  private readonly futures: BinanceVenue;
  private readonly bybit: BybitVenue;
  private readonly equities: EquitiesVenue;
  private readonly users: UserDataStreams;
  private readonly binanceWs: BinanceWs;
  private readonly futuresWs: BinanceWs;
  private readonly rests: BinanceRest[];
  private readonly replayer: Replayer;
  private readonly hubs: StreamHub[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly restartDownMs: number;
  private restarts = 0;

  constructor(private readonly opts: SimulatorOptions) {
    const clock = opts.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.logger = opts.logger ?? silentLogger();
    this.restartDownMs = opts.restartDownMs ?? D.restartDownMs;
    const seed = opts.seed ?? D.seed;
    const all = opts.symbols ?? [...D.cryptoSymbols, ...D.equitySymbols];
    const cryptos = all.filter(isCryptoSymbol).map((s) => s.toUpperCase());
    const stocks = all.filter((s) => !isCryptoSymbol(s)).map((s) => s.toUpperCase());
    const crypto = cryptos.length > 0 ? cryptos : [...D.cryptoSymbols];
    const equity = stocks.length > 0 ? stocks : [...D.equitySymbols];
    this.faults = new FaultController(this.now);
    this.truth = new GroundTruth(opts.historyTradesPerSymbol ?? opts.truthMaxRecordsPerSymbol ?? D.truthMaxRecordsPerSymbol);
    const maxBufferedBytes = opts.maxBufferedBytes ?? D.maxBufferedBytes;
    const hub = (venue: VenueId, envelope: boolean): StreamHub => new StreamHub({ venue, faults: this.faults, now: this.now, envelope, maxBufferedBytes });
    const bo = { ...pickBinance(), ...opts.binance };
    const levels = D.bookLevelsPerSide;
    this.binance = new BinanceVenue({ venue: 'binance', symbols: crypto, seed, levelsPerSide: levels, aggHistory: bo.aggHistoryPerSymbol, hub: hub('binance', true), truth: this.truth, now: this.now });
    this.futures = new BinanceVenue({ venue: 'binance-futures', symbols: crypto, seed, levelsPerSide: levels, aggHistory: bo.aggHistoryPerSymbol, hub: hub('binance-futures', true), truth: this.truth, now: this.now });
    this.bybit = new BybitVenue({
      symbols: crypto, seed, levelsPerSide: levels, pingTimeoutMs: opts.bybit?.pingTimeoutMs ?? D.bybitPingTimeoutMs,
      hub: hub('bybit', false), truth: this.truth, faults: this.faults, now: this.now,
    });
    this.equities = new EquitiesVenue({
      symbols: equity, seed, token: opts.equities?.token ?? D.equitiesToken, authCloseCode: opts.equities?.authCloseCode ?? D.equitiesAuthCloseCode,
      marketHours: opts.marketHours ?? 'real', hub: hub('equities', false), truth: this.truth, faults: this.faults, now: this.now,
    });
    this.hubs = [this.binance.hub, this.futures.hub, this.bybit.hub, this.equities.hub];
    this.users = new UserDataStreams(this.binance.hub, this.now, bo.listenKeyTtlMs);
    const wsOpts = { pingIntervalMs: bo.pingIntervalMs, pongTimeoutMs: bo.pongTimeoutMs, lifetimeMs: bo.lifetimeMs, maxIncomingPerS: bo.maxIncomingPerS, maxStreams: bo.maxStreams };
    this.binanceWs = new BinanceWs(this.binance, this.faults, this.users, wsOpts, this.now);
    this.futuresWs = new BinanceWs(this.futures, this.faults, null, wsOpts, this.now);
    const restOpts = { weightLimitPerMin: bo.weightLimitPerMin, violationsBeforeBan: bo.violationsBeforeBan, banS: bo.banS };
    const spotRest = new BinanceRest(this.binance, this.faults, this.users, restOpts, this.now, '/binance');
    const futRest = new BinanceRest(this.futures, this.faults, null, restOpts, this.now, '/binance-futures');
    this.rests = [spotRest, futRest];
    this.truth.setBookProvider((venue, symbol) => {
      if (venue === 'binance') return this.binance.truthBook(symbol);
      if (venue === 'binance-futures') return this.futures.truthBook(symbol);
      if (venue === 'bybit') return this.bybit.truthBook(symbol);
      return null;
    });
    this.replayer = new Replayer(this.binance.hub, (active) => {
      this.binance.replaying = active;
    });

    this.server = new SimServer({ host: opts.host ?? D.host, port: opts.port ?? 0, logger: this.logger, faults: this.faults });
    this.server.ws('/binance', 'binance', (req, s, h, u) => this.binanceWs.handleUpgrade(req, s, h, u));
    this.server.ws('/binance-futures', 'binance-futures', (req, s, h, u) => this.futuresWs.handleUpgrade(req, s, h, u));
    this.server.ws('/bybit', 'bybit', (req, s, h, u) => this.bybit.handleUpgrade(req, s, h, u));
    this.server.ws('/equities', 'equities', (req, s, h, u) => this.equities.handleUpgrade(req, s, h, u));
    this.server.http('/binance', spotRest.handle);
    this.server.http('/binance-futures', futRest.handle);
    this.server.http('/bybit', this.bybit.rest.handle);
    this.server.http('/admin', adminHandler(this));
    this.server.onDropAll(() => {
      this.binanceWs.dropAll();
      this.futuresWs.dropAll();
      this.bybit.dropAll();
      this.equities.dropAll();
    });

    this.generator = new Generator({
      seed, rate: opts.rate ?? D.rateEventsPerS, tickMs: opts.tickMs ?? D.tickMs, now: this.now, afterBatch: () => this.flush(),
      randomBursts: opts.randomBursts ?? true, ...(opts.rateProfile ? { profile: opts.rateProfile } : {}),
    });
    const drives = (v: VenueId): boolean => opts.venues === undefined || opts.venues.includes(v);
    if (drives('binance')) for (const s of this.binance.markets.keys()) this.generator.addLane({ venue: 'binance', symbol: s, step: this.binance.stepper(s) });
    if (drives('binance-futures')) for (const s of this.futures.markets.keys()) this.generator.addLane({ venue: 'binance-futures', symbol: s, step: this.futures.stepper(s) });
    if (drives('bybit')) for (const s of this.bybit.markets.keys()) this.generator.addLane({ venue: 'bybit', symbol: s, step: () => this.bybit.step(s) });
    if (drives('equities')) for (const s of this.equities.symbols) this.generator.addLane({ venue: 'equities', symbol: s, step: () => this.equities.step(s) });

    this.faults.onInject('close', (f) => this.applyClose(f));
    this.faults.onInject('restart', (f) => {
      this.faults.applied(f, `downMs=${f.downMs ?? this.restartDownMs}`);
      void this.restart({ downMs: f.downMs ?? this.restartDownMs }).catch(() => undefined);
    });
    this.faults.onInject('refuse', (f) => {
      void this.server.refuseFor(f.durationMs ?? 1000).catch(() => undefined);
      this.faults.applied(f, `port ${this.port} closed for ${f.durationMs ?? 1000} ms`);
    });
    this.faults.onInject('silent', (f) => {
      for (const h of this.hubs) if (f.venue === undefined || h.venue === f.venue) for (const c of h.clients) c.silent = true;
      this.faults.applied(f, 'existing and new connections go silent');
    });

    const interval = (ms: number, fn: () => void): void => {
      this.timers.push(setInterval(fn, ms));
    };
    interval(bo.depthIntervalMs, () => {
      this.binance.publishDepth();
      this.futures.publishDepth();
      this.binance.hub.flush();
      this.futures.hub.flush();
    });
    interval(bo.klineIntervalMs, () => {
      this.binance.publishKlines();
      this.futures.publishKlines();
      this.users.sweep();
    });
    interval(opts.bybit?.bookIntervalMs ?? D.bybitBookIntervalMs, () => {
      this.bybit.publishBooks();
      this.bybit.hub.flush();
    });
    interval(opts.bybit?.tickersIntervalMs ?? D.bybitTickersIntervalMs, () => this.bybit.publishTickers());
    // USD-M markPrice@1s and Bybit kline.1 (derivatives-streams.ts), once a second.
    const bybitKlines = new BybitKlines(this.bybit.hub, this.bybit.markets, this.truth);
    interval(1_000, () => {
      publishMarkPrices(this.futures.hub, this.futures.markets, this.now());
      bybitKlines.publish(this.now());
    });
    const linearTickers = new BybitLinearTickers(this.bybit.hub, this.bybit.markets);
    interval(opts.bybit?.tickersIntervalMs ?? D.bybitTickersIntervalMs, () => linearTickers.publish(this.now()));
    // Throttled clients keep a backlog; drain it even when nothing new is generated.
    interval(50, () => {
      if (this.faults.size > 0) this.flush();
    });
  }

  async start(): Promise<this> {
    this.port = await this.server.listen();
    this.generator.start();
    return this;
  }

  get urls(): SimulatorUrls {
    const h = `127.0.0.1:${this.port}`;
    return {
      binanceWs: `ws://${h}/binance/ws`, binanceStream: `ws://${h}/binance/stream`, binanceRest: `http://${h}/binance`,
      binanceFuturesWs: `ws://${h}/binance-futures/ws`, binanceFuturesStream: `ws://${h}/binance-futures/stream`, binanceFuturesRest: `http://${h}/binance-futures`,
      bybitPublic: `ws://${h}/bybit/v5/public/spot`, equitiesWs: `ws://${h}/equities/ws`, admin: `http://${h}/admin`,
    };
  }

  /** Write queued frames to every client now. */
  flush(): void {
    for (const h of this.hubs) h.flush();
  }

  /** Run `count` generated events now (optionally on one venue/symbol) and flush. */
  generate(count: number, filter: { venue?: string; symbol?: string } = {}): void {
    this.generator.generate(count, filter);
  }

  /** Publish pending depth/book updates now instead of waiting for their timers. */
  publishBooks(): void {
    this.binance.publishDepth();
    this.futures.publishDepth();
    this.bybit.publishBooks();
    this.flush();
  }

  /** A flat rate of generated events/s (ends a rate profile). */
  setRate(rate: number): void {
    this.generator.setRate(rate);
  }

  /** Follow a rate profile from now; null returns to the flat rate. */
  setRateProfile(profile: RateProfile | null): void {
    this.generator.setProfile(profile);
  }

  /**
   * Make `trades` Binance trades on one symbol now, without waiting real time: an outage's
   * worth of history (1.2M trades in seconds). Trades are recorded in ground truth and the REST
   * history like any other and published to whoever is subscribed (a disconnected gateway gets
   * none). Their times spread evenly from `fromMs` (default: the symbol's last trade time) to
   * now, so per-symbol times never go backwards.
   */
  generateHistory(opts: HistoryOptions): HistoryResult {
    const venue = opts.venue ?? 'binance';
    const v = venue === 'binance' ? this.binance : venue === 'binance-futures' ? this.futures : null;
    if (!v) throw new HistoryError(`no ${venue} venue to generate history on`);
    return generateHistory(v, this.truth, this.now(), () => this.flush(), opts);
  }

  get marketHours(): MarketHoursMode {
    return this.equities.marketHours;
  }

  setMarketHours(mode: MarketHoursMode): void {
    this.equities.marketHours = mode;
  }

  equitiesOpen(): boolean {
    return this.equities.isOpen();
  }

  /** Push a private event to a listenKey's stream (all valid keys when omitted). */
  binanceUserEvent(event: UserEventType, listenKey?: string): string[] {
    return this.users.emit(listenKey, event);
  }

  replay(opts: ReplayOptions): Promise<ReplayResult> {
    return this.replayer.start(opts);
  }

  stopReplay(): void {
    this.replayer.stop();
  }

  replayActive(): boolean {
    return this.replayer.active;
  }

  /** Drop every socket, refuse connections for downMs, listen again on the same port. State continues. */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    this.restarts++;
    await this.server.restart(opts.downMs ?? this.restartDownMs);
  }

  private applyClose(f: ActiveFault): void {
    const code = f.code ?? 1000;
    const reason = f.reason ?? 'simulated close';
    let n = 0;
    if (f.venue === undefined || f.venue === 'binance') n += this.binanceWs.closeAll(code, reason, (c) => f.stream === undefined || [...c.streams].some((s) => s.includes(f.stream ?? '')));
    if (f.venue === undefined || f.venue === 'binance-futures') n += this.futuresWs.closeAll(code, reason);
    if (f.venue === undefined || f.venue === 'bybit') n += this.bybit.closeAll(code, reason);
    if (f.venue === undefined || f.venue === 'equities') n += this.equities.closeAll(code, reason);
    this.faults.applied(f, `closed ${n} connection(s) with ${code}`);
  }

  stats(): Record<string, unknown> & { generator: GeneratorStats } {
    return {
      port: this.port,
      /** When these counters were read (rates between two reads need no client-side clock). */
      atMs: this.now(),
      /** This process's CPU time (user + system, µs): CPU per frame holds up on a busy machine where rates do not. */
      cpuUs: cpuUs(),
      restarts: this.restarts,
      generator: this.generator.stats(),
      hubs: Object.fromEntries(this.hubs.map((h) => [h.venue, h.stats()])),
      rest: { binance: this.rests[0]?.stats(), 'binance-futures': this.rests[1]?.stats() },
      truth: this.truth.stats(),
      activeFaults: this.faults.size,
      listenKeys: this.users.count(),
      replayActive: this.replayer.active,
    };
  }

  async close(): Promise<void> {
    this.generator.stop();
    this.replayer.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.binanceWs.close();
    this.futuresWs.close();
    this.bybit.close();
    this.equities.close();
    await this.server.close();
  }
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function pickBinance() {
  return {
    pingIntervalMs: D.binancePingIntervalMs, pongTimeoutMs: D.binancePongTimeoutMs, lifetimeMs: D.binanceLifetimeMs,
    maxIncomingPerS: D.binanceMaxIncomingPerS, maxStreams: D.binanceMaxStreamsPerConn, depthIntervalMs: D.binanceDepthIntervalMs,
    klineIntervalMs: D.binanceKlineIntervalMs, weightLimitPerMin: D.binanceWeightLimitPerMin, violationsBeforeBan: D.binance429BeforeBan,
    banS: D.binanceBanS, listenKeyTtlMs: D.listenKeyTtlMs, aggHistoryPerSymbol: D.aggHistoryPerSymbol,
  };
}

export { HistoryError, type HistoryOptions, type HistoryResult } from './history.js';

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(opts).start();
}
