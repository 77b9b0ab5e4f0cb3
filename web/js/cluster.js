// This instance's part of the NATS JetStream cluster (status.cluster): its role, the shards it
// leases and how often leases changed, what it published (stored, dropped as duplicates, re-sent,
// trades it skipped because the stream held them) with the publish ack latency, and, as a
// processor, what it consumed, its consumer lag and what it dropped as already stored or doubled.
// `tickgate status` shows the whole cluster (every instance) from NATS.
import { esc, num } from './format.js';

/** ms as "3.2 ms" (one decimal below 10). */
function ms(v) {
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

/** @param {HTMLElement} section the cluster card @param {any} st GatewayStatus */
export function renderCluster(section, st) {
  const c = st.cluster;
  section.hidden = !c;
  if (!c) return;
  const rows = [
    ['instance', `<code>${esc(c.instance)}</code> <span class="dim">${esc(c.role)} · namespace ${esc(c.namespace)}</span>`],
    ['shards leased', c.role === 'processor' ? '<span class="dim">–</span>' : `${esc(num(c.owned.length))} / ${esc(num(c.shards))} <span class="dim">${esc(c.owned.join(' '))}</span>`],
  ];
  if (c.leaseChanges) rows.push(['lease changes', `acquired ${esc(num(c.leaseChanges.acquired))} · lost ${esc(num(c.leaseChanges.lost))} · released ${esc(num(c.leaseChanges.released))}`]);
  if (c.publish) {
    const p = c.publish;
    rows.push(['published', `${esc(num(p.stored))} stored · ${esc(num(p.duplicates))} duplicates · ${esc(num(p.retries))} re-sent`]);
    rows.push(['publish ack', `mean ${esc(ms(p.meanAckMs))} · recent max ${esc(ms(p.recentMaxAckMs))}`]);
    rows.push(['publish queue', `<span class="${p.dropped > 0 ? 'warn' : ''}">${esc(num(p.queued))} queued · ${esc(num(p.dropped))} dropped</span>`]);
    rows.push(['trades not re-sent', `${esc(num(c.skipped.inStream))} in the stream · ${esc(num(c.skipped.own))} own`]);
  }
  if (c.consumer) {
    const k = c.consumer;
    rows.push(['consumed', `${esc(num(k.consumed))} · lag <span class="${k.lagMessages > 10000 ? 'warn' : ''}" data-testid="cluster-lag">${esc(num(k.lagMessages))}</span>`]);
    rows.push(['dropped by id', `${esc(num(k.stored))} already stored · ${esc(num(k.doubles))} doubles${k.startSeq > 0 ? ` <span class="dim">(resumed at seq ${esc(num(k.startSeq))})</span>` : ''}`]);
  }
  section.querySelector('tbody').innerHTML = rows.map(([k, v]) => `<tr><td class="dim">${esc(k)}</td><td>${v}</td></tr>`).join('');
}
