// Per-client detail of the downstream server (/api/server: same auth as the WebSocket), polled
// while the page is live: who is connected, how much each one has buffered, what it lost.
import { bytes, dur, esc, num } from './format.js';

export const CLIENTS_POLL_INTERVAL_MS = 2_000;
/** Rows shown; the most-buffered clients first. */
export const MAX_CLIENT_ROWS = 15;

export class ClientsPoller {
  /** @param {string | null} token @param {HTMLElement} tbody @param {() => boolean} live */
  constructor(token, tbody, live) {
    this.url = `/api/server${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    this.tbody = tbody;
    this.live = live;
    this.inFlight = false;
    setInterval(() => void this.poll(), CLIENTS_POLL_INTERVAL_MS);
  }

  /** Poll soon (the link just opened) instead of waiting for the next period. */
  kick() {
    setTimeout(() => void this.poll(), 300);
  }

  async poll() {
    if (this.inFlight || !this.live()) return;
    this.inFlight = true;
    try {
      const res = await fetch(this.url, { cache: 'no-store' });
      if (!res.ok) { this.message(`client list unavailable (HTTP ${res.status})`); return; }
      const body = await res.json();
      this.render(Array.isArray(body.clients) ? body.clients : []);
    } catch {
      this.message('client list unavailable');
    } finally {
      this.inFlight = false;
    }
  }

  message(text) {
    this.tbody.innerHTML = `<tr class="empty"><td colspan="7">${esc(text)}</td></tr>`;
  }

  render(clients) {
    if (clients.length === 0) { this.message('no clients'); return; }
    const buffered = (c) => c.socketBufferedBytes + c.queueBytes;
    const now = Date.now();
    const rows = [...clients].sort((a, b) => buffered(b) - buffered(a) || a.id - b.id).slice(0, MAX_CLIENT_ROWS);
    this.tbody.innerHTML = rows.map((c) => `
      <tr data-testid="client-row" data-id="${esc(c.id)}" data-backlogged="${c.backlogged}" class="${c.backlogged ? 'warn' : ''}">
        <td><code>#${esc(c.id)}</code> ${esc(c.remoteAddress)}</td>
        <td class="r">${esc(dur(now - c.connectedAtMs))}</td>
        <td class="r" data-testid="client-channels" title="${esc(c.channels.join(' '))}">${esc(num(c.channels.length))}</td>
        <td class="r" data-testid="client-buffered">${esc(bytes(buffered(c)))}${c.queueMessages ? ` · ${esc(num(c.queueMessages))} msg` : ''}</td>
        <td class="r">${esc(num(c.conflations))}${c.conflatedPending ? ` (+${esc(num(c.conflatedPending))})` : ''}</td>
        <td class="r ${c.drops > 0 ? 'bad' : ''}" data-testid="client-drops">${esc(num(c.drops))}</td>
        <td class="r">${esc(num(c.gapNotices))}</td>
      </tr>`).join('') + (clients.length > rows.length ? `<tr class="empty"><td colspan="7">+${clients.length - rows.length} more clients</td></tr>` : '');
  }
}
