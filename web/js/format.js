// Small formatters and a DOM helper; everything user-visible goes through esc() or textContent.

/** @param {unknown} s */
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Duration in ms as "850 ms", "12.3 s", "4 m 05 s", "2 h 10 m". */
export function dur(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const a = Math.max(0, ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 60_000) return `${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) {
    const m = Math.floor(a / 60_000);
    return `${m} m ${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')} s`;
  }
  const h = Math.floor(a / 3_600_000);
  return `${h} h ${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')} m`;
}

/** Integer counts with thin separators; rates with one decimal under 100. */
export function num(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) < 100 && !Number.isInteger(n)) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

export function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function clock(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** Element factory: h('td', { class: 'x', 'data-testid': 'y' }, 'text' | Node, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'title') el.title = String(v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
