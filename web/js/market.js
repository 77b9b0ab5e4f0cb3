// The market panel: one lightweight-charts chart with candles on top and order-flow imbalance in a
// second pane beneath, for one symbol, fed by 1 s snapshots and 100-tick candles.

/** Bars kept per mode; older ones scroll out. */
export const MAX_BARS = 900;
/** Snapshots older than this (page clock) mark the market panel as stale. */
export const MARKET_STALE_AFTER_MS = 5_000;

const UP = '#26a69a';
const DOWN = '#ef5350';

/** @typedef {{ time: number, open: number, high: number, low: number, close: number }} Bar */
/** @typedef {{ time: number, value?: number, color?: string }} ImbPoint */

function decimals(s) {
  const i = String(s).indexOf('.');
  return i < 0 ? 0 : Math.min(8, String(s).length - i - 1);
}

function toBar(time, a) {
  return { time, open: Number(a.open), high: Number(a.high), low: Number(a.low), close: Number(a.close) };
}

function imbPoint(time, value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return { time };
  return { time, value, color: value >= 0 ? 'rgba(38,166,154,0.75)' : 'rgba(239,83,80,0.75)' };
}

class BarSet {
  constructor() {
    /** @type {Bar[]} */ this.bars = [];
    /** @type {ImbPoint[]} */ this.imb = [];
    /** @type {(string|null)[]} */ this.keys = [];
    this.lastReceivedAt = 0;
  }

  /**
   * Inserts or replaces (amended revision) a bar. Returns 'append' | 'last' | 'older'.
   * @param {number} time @param {Bar} bar @param {ImbPoint} imb @param {string|null} key
   */
  put(time, bar, imb, key) {
    this.lastReceivedAt = Date.now();
    const n = this.bars.length;
    let i = key === null ? this.bars.findIndex((b) => b.time === time) : this.keys.lastIndexOf(key);
    if (i < 0 && key === null && n > 0 && time < this.bars[n - 1].time) {
      // An amendment of a bar we never saw (or already dropped): keep the order, skip it.
      return null;
    }
    if (i >= 0) {
      bar.time = imb.time = this.bars[i].time;
      this.bars[i] = bar; this.imb[i] = imb; this.keys[i] = key;
      return i === n - 1 ? 'last' : 'older';
    }
    this.bars.push(bar); this.imb.push(imb); this.keys.push(key);
    if (this.bars.length > MAX_BARS) { this.bars.shift(); this.imb.shift(); this.keys.shift(); }
    return 'append';
  }

  clear() { this.bars = []; this.imb = []; this.keys = []; }
}

export class MarketView {
  /** @param {HTMLElement} container */
  constructor(container) {
    const L = /** @type {any} */ (window).LightweightCharts;
    this.container = container;
    this.available = Boolean(L);
    this.sets = { snap: new BarSet(), tick: new BarSet() };
    /** @type {'snap' | 'tick'} */
    this.mode = 'snap';
    this.precision = -1;
    if (!this.available) {
      container.textContent = 'chart library not loaded (/vendor/lightweight-charts.js)';
      return;
    }
    this.chart = L.createChart(container, {
      autoSize: true,
      layout: {
        background: { type: 'solid', color: '#10141b' },
        textColor: '#8b95a5',
        fontSize: 11,
        attributionLogo: false,
        panes: { separatorColor: '#263040', enableResize: false },
      },
      grid: { vertLines: { color: '#1a212c' }, horzLines: { color: '#1a212c' } },
      timeScale: { timeVisible: true, secondsVisible: true, borderColor: '#263040', rightOffset: 3 },
      rightPriceScale: { borderColor: '#263040' },
      crosshair: { mode: 0 },
    });
    this.candles = this.chart.addSeries(L.CandlestickSeries, {
      upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN,
    });
    this.imbalance = this.chart.addSeries(L.HistogramSeries, {
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
      priceLineVisible: false,
      lastValueVisible: true,
      // Imbalance lives in [-1, 1]: a fixed scale keeps bars comparable over time.
      autoscaleInfoProvider: () => ({ priceRange: { minValue: -1, maxValue: 1 } }),
    }, 1);
    this.imbalance.createPriceLine({ price: 0, color: '#3a4556', lineWidth: 1, lineStyle: 2, axisLabelVisible: false });
    const panes = this.chart.panes();
    if (panes[1]) panes[1].setHeight(90);
  }

  /** @param {'snap' | 'tick'} mode */
  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.redraw();
  }

  redraw() {
    if (!this.available) return;
    const s = this.sets[this.mode];
    this.candles.setData(s.bars.map((b) => ({ ...b })));
    this.imbalance.setData(s.imb.map((p) => ({ ...p })));
    this.chart.timeScale().scrollToRealTime();
    this.publishAttrs();
  }

  /** Forget everything (new symbol, or the channel's history was reset). @param {'snap'|'tick'|'both'} which */
  reset(which = 'both') {
    if (which !== 'tick') this.sets.snap.clear();
    if (which !== 'snap') this.sets.tick.clear();
    if (which === 'both') this.precision = -1;
    this.redraw();
  }

  /** @param {any} s Snapshot1s */
  addSnapshot(s) {
    const time = Math.floor(s.startTime / 1000);
    this.put('snap', time, s, s.enrichment ? s.enrichment.imbalance : null, null);
  }

  /** @param {any} c Candle */
  addCandle(c) {
    const set = this.sets.tick;
    const key = c.firstTradeId ?? `t${c.startTime}`;
    // Several 100-tick candles can start in one second: keep times strictly increasing.
    let time = Math.floor(c.startTime / 1000);
    const last = set.bars[set.bars.length - 1];
    if (last && set.keys[set.keys.length - 1] !== key && time <= last.time) time = last.time + 1;
    const buy = Number(c.buyVolume);
    const sell = Number(c.sellVolume);
    const imb = buy + sell > 0 ? (buy - sell) / (buy + sell) : null;
    this.put('tick', time, c, imb, key);
  }

  put(mode, time, agg, imbValue, key) {
    const set = this.sets[mode];
    const bar = toBar(time, agg);
    const imb = imbPoint(time, imbValue);
    const where = set.put(time, bar, imb, key);
    if (!this.available || mode !== this.mode || where === null) return;
    const p = decimals(agg.close);
    if (p > this.precision) {
      this.precision = p;
      this.candles.applyOptions({ priceFormat: { type: 'price', precision: p, minMove: 10 ** -p } });
    }
    if (where === 'older') { this.redraw(); return; }
    this.candles.update({ ...bar });
    this.imbalance.update({ ...imb });
    this.publishAttrs();
  }

  /** Exposed for tests and people: how many bars, the last close, the last bar time. */
  publishAttrs() {
    const s = this.sets[this.mode];
    const last = s.bars[s.bars.length - 1];
    this.container.dataset.bars = String(s.bars.length);
    this.container.dataset.lastTime = last ? String(last.time) : '';
    this.container.dataset.lastClose = last ? String(last.close) : '';
    this.container.dataset.mode = this.mode;
  }

  /** Age of the newest snapshot on the page clock; null before the first. */
  snapshotAgeMs(now = Date.now()) {
    const t = this.sets.snap.lastReceivedAt;
    return t ? now - t : null;
  }

  lastImbalance() {
    const s = this.sets[this.mode].imb;
    for (let i = s.length - 1; i >= 0; i--) if (s[i].value !== undefined) return s[i].value;
    return null;
  }

  lastBar() {
    const s = this.sets[this.mode].bars;
    return s[s.length - 1] ?? null;
  }
}
