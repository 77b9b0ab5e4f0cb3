/**
 * Admin HTTP API under /admin: faults (inject, list, clear, log), ground truth, restart,
 * market hours, private Binance events, replay, manual generation, stats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSpecError, VENUES, type VenueId } from './faults.js';
import type { MarketHoursMode } from './equities/ws.js';
import type { UserEventType } from './binance/user-data.js';
import { readBody, sendJson } from './server.js';
import { HistoryError, type Simulator } from './simulator.js';
import { RateProfileError, type RateProfile } from './generator.js';

function isVenue(v: string): v is VenueId {
  return (VENUES as readonly string[]).includes(v);
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  return JSON.parse(text) as unknown;
}

export function adminHandler(sim: Simulator) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter((p) => p.length > 0).slice(1); // drop "admin"
    const [a, b, c, d] = parts;
    try {
      if (a === undefined || a === 'health') return sendJson(res, 200, { ok: true, port: sim.port, urls: sim.urls });
      if (a === 'stats') return sendJson(res, 200, sim.stats());
      if (a === 'faults') {
        if (b === 'log' && method === 'GET') return sendJson(res, 200, sim.faults.history());
        if (method === 'GET') return sendJson(res, 200, sim.faults.list());
        if (method === 'POST') {
          const body = await jsonBody(req);
          const specs = Array.isArray(body) ? body : [body];
          const faults = specs.map((s) => sim.faults.inject(s));
          return sendJson(res, 201, { faults });
        }
        if (method === 'DELETE') return sendJson(res, 200, { cleared: sim.faults.clear(b) });
      }
      if (a === 'truth' && b !== undefined && c !== undefined && method === 'GET') {
        if (!isVenue(b)) return sendJson(res, 400, { error: `unknown venue ${b}` });
        const what = d ?? 'trades';
        if (what === 'trades') {
          const from = url.searchParams.get('fromId');
          const to = url.searchParams.get('toId');
          const limit = url.searchParams.get('limit');
          return sendJson(res, 200, sim.truth.trades(b, c, {
            ...(from !== null ? { fromId: Number(from) } : {}), ...(to !== null ? { toId: Number(to) } : {}), ...(limit !== null ? { limit: Number(limit) } : {}),
          }));
        }
        if (what === 'book') {
          const book = sim.truth.book(b, c);
          return book ? sendJson(res, 200, book) : sendJson(res, 404, { error: `no book for ${b} ${c}` });
        }
        if (what === 'depth') return sendJson(res, 200, sim.truth.depthUpdates(b, c));
      }
      if (a === 'restart' && method === 'POST') {
        const body = (await jsonBody(req)) as { downMs?: unknown };
        const downMs = typeof body.downMs === 'number' ? body.downMs : undefined;
        // Answer first: the restart drops this very connection.
        sendJson(res, 202, { restarting: true });
        setImmediate(() => void sim.restart(downMs !== undefined ? { downMs } : {}).catch(() => undefined));
        return;
      }
      if (a === 'market-hours') {
        if (method === 'POST') {
          const body = (await jsonBody(req)) as { mode?: unknown };
          if (body.mode !== 'real' && body.mode !== 'always-open' && body.mode !== 'always-closed') return sendJson(res, 400, { error: 'mode must be real | always-open | always-closed' });
          sim.setMarketHours(body.mode as MarketHoursMode);
        }
        return sendJson(res, 200, { mode: sim.marketHours, open: sim.equitiesOpen() });
      }
      if (a === 'binance' && b === 'user-event' && method === 'POST') {
        const body = (await jsonBody(req)) as { listenKey?: unknown; event?: unknown };
        const ev = body.event;
        if (ev !== 'executionReport' && ev !== 'outboundAccountPosition' && ev !== 'listenKeyExpired') return sendJson(res, 400, { error: 'event must be executionReport | outboundAccountPosition | listenKeyExpired' });
        const keys = sim.binanceUserEvent(ev as UserEventType, typeof body.listenKey === 'string' ? body.listenKey : undefined);
        return sendJson(res, 200, { delivered: keys.length });
      }
      if (a === 'replay') {
        if (method === 'POST') {
          const body = (await jsonBody(req)) as { file?: unknown; speed?: unknown };
          if (typeof body.file !== 'string') return sendJson(res, 400, { error: 'file is required' });
          const speed = body.speed === 'max' ? 'max' : typeof body.speed === 'number' ? body.speed : 1;
          void sim.replay({ file: body.file, speed }).catch(() => undefined);
          return sendJson(res, 202, { started: true });
        }
        if (method === 'DELETE') {
          sim.stopReplay();
          return sendJson(res, 200, { stopped: true });
        }
        return sendJson(res, 200, { active: sim.replayActive() });
      }
      if (a === 'history' && method === 'POST') {
        const body = (await jsonBody(req)) as { venue?: unknown; symbol?: unknown; trades?: unknown; fromMs?: unknown };
        if (typeof body.symbol !== 'string' || typeof body.trades !== 'number') return sendJson(res, 400, { error: 'symbol (string) and trades (number) are required' });
        if (body.venue !== undefined && body.venue !== 'binance' && body.venue !== 'binance-futures') return sendJson(res, 400, { error: 'venue must be binance | binance-futures' });
        return sendJson(res, 200, sim.generateHistory({
          symbol: body.symbol, trades: body.trades, ...(body.venue !== undefined ? { venue: body.venue } : {}), ...(typeof body.fromMs === 'number' ? { fromMs: body.fromMs } : {}),
        }));
      }
      if (a === 'rate-profile') {
        if (method === 'DELETE') {
          sim.setRateProfile(null);
          return sendJson(res, 200, { profile: null });
        }
        if (method === 'POST') {
          const body = (await jsonBody(req)) as RateProfile;
          sim.setRateProfile(body);
          return sendJson(res, 200, { profile: body });
        }
      }
      if (a === 'summary' && b !== undefined && c !== undefined && method === 'GET') {
        if (!isVenue(b)) return sendJson(res, 400, { error: `unknown venue ${b}` });
        return sendJson(res, 200, sim.truth.summary(b, c) ?? null);
      }
      if (a === 'generate' && method === 'POST') {
        const body = (await jsonBody(req)) as { count?: unknown; venue?: unknown; symbol?: unknown; rate?: unknown };
        if (typeof body.rate === 'number') sim.setRate(body.rate);
        const count = typeof body.count === 'number' ? body.count : 0;
        sim.generate(count, { ...(typeof body.venue === 'string' ? { venue: body.venue } : {}), ...(typeof body.symbol === 'string' ? { symbol: body.symbol } : {}) });
        return sendJson(res, 200, { generated: count, rate: sim.stats().generator.rate });
      }
      sendJson(res, 404, { error: `unknown admin route ${method} ${url.pathname}` });
    } catch (err) {
      if (err instanceof FaultSpecError || err instanceof SyntaxError || err instanceof HistoryError || err instanceof RateProfileError) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  };
}
