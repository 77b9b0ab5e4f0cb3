import { describe, expect, it } from 'vitest';
import { FaultController, FaultSpecError } from '../../../simulator/index.js';

describe('FaultController', () => {
  it('matches by venue, stream suffix and symbol', () => {
    const f = new FaultController(() => 0);
    f.inject({ kind: 'skip', venue: 'binance', stream: '@trade' });
    expect(f.match('skip', { venue: 'binance', stream: 'btcusdt@trade' })).toBeDefined();
    expect(f.match('skip', { venue: 'binance', stream: 'btcusdt@aggTrade' })).toBeUndefined();
    expect(f.match('skip', { venue: 'bybit', stream: 'btcusdt@trade' })).toBeUndefined();
    f.inject({ kind: 'stop-stream', venue: 'bybit', stream: 'publicTrade', symbol: 'btcusdt' });
    expect(f.match('stop-stream', { venue: 'bybit', stream: 'publicTrade.BTCUSDT', symbol: 'BTCUSDT' })).toBeDefined();
    expect(f.match('stop-stream', { venue: 'bybit', stream: 'publicTrade.ETHUSDT', symbol: 'ETHUSDT' })).toBeUndefined();
  });

  it('a counted fault disappears after its count; a timed one after durationMs, each logged with its time', () => {
    let now = 1_000;
    const f = new FaultController(() => now);
    const a = f.inject({ kind: 'repeat', count: 2 });
    f.inject({ kind: 'no-pong', durationMs: 500 });
    f.consume(a);
    now = 1_200;
    f.consume(a);
    expect(f.match('repeat')).toBeUndefined();
    expect(f.match('no-pong')).toBeDefined();
    now = 1_500;
    expect(f.match('no-pong')).toBeUndefined();
    expect(f.history().map((e) => [e.kind, e.event, e.atMs])).toEqual([
      ['repeat', 'injected', 1000], ['no-pong', 'injected', 1000], ['repeat', 'applied', 1000],
      ['repeat', 'applied', 1200], ['repeat', 'exhausted', 1200], ['no-pong', 'expired', 1500],
    ]);
  });

  it('rejects unknown kinds, unknown keys and incomplete specs with E_SIM_FAULT_SPEC', () => {
    const f = new FaultController(() => 0);
    for (const bad of [{ kind: 'explode' }, { kind: 'skip', colour: 'red' }, { kind: 'close' }, { kind: 'rest-error' }, { kind: 'throttle' }, { kind: 'stop-stream' }]) {
      expect(() => f.inject(bad)).toThrow(FaultSpecError);
    }
    try {
      f.inject({ kind: 'close' });
    } catch (err) {
      expect((err as FaultSpecError).code).toBe('E_SIM_FAULT_SPEC');
    }
  });

  it('one-shot faults run their handler and are not kept active', () => {
    const f = new FaultController(() => 0);
    const seen: string[] = [];
    f.onInject('close', (x) => seen.push(`${x.kind}:${String(x.code)}`));
    f.inject({ kind: 'close', code: 4000 });
    expect(seen).toEqual(['close:4000']);
    expect(f.list()).toEqual([]);
  });
});
