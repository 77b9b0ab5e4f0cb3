// Time series kept for the last few minutes and drawn as tiny canvas sparklines.

/** How much history the flow sparklines keep and show. */
export const SPARK_WINDOW_MS = 5 * 60_000;

export class TimeSeries {
  constructor(windowMs = SPARK_WINDOW_MS) {
    this.windowMs = windowMs;
    /** @type {{ t: number, v: number }[]} */
    this.points = [];
  }

  push(t, v) {
    if (!Number.isFinite(v)) return;
    const last = this.points[this.points.length - 1];
    if (last && t <= last.t) { if (t === last.t) last.v = v; return; }
    this.points.push({ t, v });
    const cut = t - this.windowMs;
    let i = 0;
    while (i < this.points.length - 1 && this.points[i].t < cut) i++;
    if (i > 0) this.points.splice(0, i);
  }

  last() {
    return this.points.length ? this.points[this.points.length - 1].v : null;
  }

  /** Increase of a monotonic counter over the last `ms` (0 when unknown). */
  increaseOver(ms) {
    const n = this.points.length;
    if (n < 2) return 0;
    const end = this.points[n - 1];
    let start = this.points[0];
    for (let i = n - 1; i >= 0; i--) {
      if (end.t - this.points[i].t > ms) break;
      start = this.points[i];
    }
    return Math.max(0, end.v - start.v);
  }

  clear() { this.points = []; }
}

/**
 * Draws the series into a canvas sized by CSS. The x axis is the last windowMs up to `now`, so a
 * line that stops short of the right edge shows at a glance that updates stopped.
 * @param {HTMLCanvasElement} canvas
 * @param {TimeSeries} series
 * @param {{ color?: string, now?: number, max?: number }} opts
 */
export function drawSparkline(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 120;
  const hgt = canvas.clientHeight || 28;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  const pts = series.points;
  const now = opts.now ?? Date.now();
  const t0 = now - series.windowMs;
  let max = opts.max ?? 0;
  for (const p of pts) if (p.v > max) max = p.v;
  if (max <= 0) max = 1;
  const x = (t) => ((t - t0) / series.windowMs) * w;
  const y = (v) => hgt - 2 - (Math.max(0, v) / max) * (hgt - 4);
  ctx.strokeStyle = 'rgba(255,255,255,0.08)';
  ctx.beginPath(); ctx.moveTo(0, hgt - 1.5); ctx.lineTo(w, hgt - 1.5); ctx.stroke();
  if (pts.length === 0) return;
  const color = opts.color ?? '#4aa3ff';
  ctx.beginPath();
  pts.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(p.v)) : ctx.lineTo(x(p.t), y(p.v))));
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(x(pts[pts.length - 1].t), hgt);
  ctx.lineTo(x(pts[0].t), hgt);
  ctx.closePath();
  ctx.globalAlpha = 0.15;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
}
