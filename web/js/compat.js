// The Binance-compatible endpoints (status.compat): per endpoint, the clients connected, the
// streams they asked (stream x client) against the upstream streams tickgate holds for them (the
// multiplier: how many venue subscriptions the bots did not have to make), REST answers by
// source with the cache hit ratio, and the weight forwarded to the venue.
import { esc, num } from './format.js';

/** asked / held as "12.0×"; "–" while nothing is held. */
export function multiplier(asked, held) {
  return held > 0 ? `${(asked / held).toFixed(1)}×` : '–';
}

/** Share as "87 %"; "–" with no denominator. */
export function ratio(part, whole) {
  return whole > 0 ? `${Math.round((100 * part) / whole)} %` : '–';
}

/** @param {HTMLElement} section the compat card @param {any} st GatewayStatus */
export function renderCompat(section, st) {
  const list = st.compat ?? [];
  section.hidden = list.length === 0;
  if (list.length === 0) return;
  const tbody = section.querySelector('tbody');
  const keep = new Set(list.map((c) => c.venue));
  for (const el of [...tbody.children]) if (!keep.has(el.dataset.key)) el.remove();
  for (const c of list) {
    let tr = [...tbody.children].find((el) => el.dataset.key === c.venue);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = c.venue;
      tr.setAttribute('data-testid', 'compat-row');
      tbody.append(tr);
    }
    tr.dataset.venue = c.venue;
    const forwardedAnswers = c.restCacheHits + c.restUpstreamCalls;
    const weightHot = c.weightLimit > 0 && c.usedWeight / c.weightLimit > 0.8;
    tr.innerHTML = `
      <td><code>${esc(c.prefix)}</code> <span class="dim">${esc(c.venue)}</span></td>
      <td class="r" data-testid="compat-clients" data-value="${c.clients}">${esc(num(c.clients))}</td>
      <td class="r" data-testid="compat-asked" data-value="${c.subscriptions}" title="client subscriptions (stream × client) over ${esc(num(c.streamsDownstream))} distinct streams">${esc(num(c.subscriptions))}</td>
      <td class="r" data-testid="compat-held" data-value="${c.upstreamStreams}" title="${esc(num(c.upstreamOnDemand))} of them subscribed on demand">${esc(num(c.upstreamStreams))}</td>
      <td class="r" data-testid="compat-multiplier">${esc(multiplier(c.subscriptions, c.upstreamStreams))}</td>
      <td class="r" data-testid="compat-deliveries">${esc(num(c.deliveries))}</td>
      <td class="r" data-testid="compat-rest" title="from state · from cache · upstream calls · refused">${esc(num(c.restFromState))} · ${esc(num(c.restCacheHits))} · ${esc(num(c.restUpstreamCalls))} · ${esc(num(c.restRefused))}</td>
      <td class="r" data-testid="compat-cache-ratio" title="forwarded requests answered by the cache">${esc(ratio(c.restCacheHits, forwardedAnswers))}</td>
      <td class="r ${weightHot ? 'warn' : ''}" data-testid="compat-weight" data-value="${c.forwardedWeight}" title="weight forwarded in total; used this minute of the budget">${esc(num(c.forwardedWeight))} <span class="dim">(${esc(num(c.usedWeight))} / ${esc(num(c.weightLimit))} this min)</span></td>
      <td class="r ${c.clientsDropped > 0 ? 'warn' : ''}" data-testid="compat-dropped">${esc(num(c.clientsDropped))}</td>`;
  }
}
