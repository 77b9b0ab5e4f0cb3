/** BusSpool on a real temp directory: events come back in append order across batches; the cap drops and counts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BusSpool } from '../../../src/cluster/bus-spool.js';
import type { MarketEvent, Trade } from '../../../src/model/events.js';

const trade = (id: number): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: id, receiveTime: id, tradeId: String(id), seq: id, price: '100.5', size: '0.25', side: 'buy', source: 'trade',
});
const dirs: string[] = [];
const dir = (): string => { const d = mkdtempSync(join(tmpdir(), 'tickgate-busspool-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function drain(s: BusSpool): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for (let b = await s.take(); b !== null; b = await s.take()) out.push(...b);
  return out;
}

describe('BusSpool', () => {
  it('2,500 events added one by one come back whole and in order (batched appends), then it is inactive', async () => {
    const s = new BusSpool({ dir: dir(), maxBytes: 64 * 1024 * 1024 });
    const events = Array.from({ length: 2_500 }, (_, i) => trade(i + 1));
    for (const e of events) s.add(e);
    expect(s.active).toBe(true);
    const back = await drain(s);
    expect(back).toEqual(events);
    expect(s.active).toBe(false);
    expect(s.stats()).toEqual({ spooled: 2_500, replayed: 2_500, dropped: 0, depth: 0 });
    await s.close();
  });

  it('adds while taking keep the order (newer events queue behind the spooled ones)', async () => {
    const s = new BusSpool({ dir: dir(), maxBytes: 64 * 1024 * 1024 });
    for (let i = 1; i <= 1_500; i++) s.add(trade(i));
    const first = (await s.take())!;
    for (let i = 1_501; i <= 2_000; i++) s.add(trade(i));
    const rest = await drain(s);
    expect([...first, ...rest].map((e) => (e as Trade).seq)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    await s.close();
  });

  it('past its cap events are dropped and counted, never reordered', async () => {
    const s = new BusSpool({ dir: dir(), maxBytes: 40 * 1024 });
    for (let i = 1; i <= 3_000; i++) s.add(trade(i));
    const back = (await drain(s)).map((e) => (e as Trade).seq!);
    const st = s.stats();
    expect(st.dropped).toBeGreaterThan(0);
    expect(back.length + st.dropped).toBe(3_000);
    expect(back).toEqual([...back].sort((a, b) => a - b));
    await s.close();
  });
});
