import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { CompatSession, type DropReason } from '../../../src/compat/binance/session.js';

/** A socket stand-in with a settable send buffer: what a client that stopped reading looks like. */
function fakeSocket(): WebSocket & { sent: string[]; terminated: boolean; closedWith: [number, string] | null; bufferedAmount: number } {
  const s = { sent: [] as string[], terminated: false, closedWith: null as [number, string] | null, bufferedAmount: 0,
    send(t: string) { s.sent.push(t); }, terminate() { s.terminated = true; }, close(code: number, reason: string) { s.closedWith = [code, reason]; } };
  return s as never;
}

describe('CompatSession', () => {
  it('drops a client whose socket holds more unsent bytes than the limit, once, and counts why', () => {
    const ws = fakeSocket();
    const drops: DropReason[] = [];
    const s = new CompatSession(1, ws, false, 0, { maxIncomingMessagesPerSec: 5, maxSocketBufferedBytes: 1000 }, (_s, why) => drops.push(why));
    s.send('a');
    ws.bufferedAmount = 1001;
    s.send('b');
    s.send('c');
    expect(ws.sent).toEqual(['a']);
    expect(ws.terminated).toBe(true);
    expect(drops).toEqual(['slow']);
  });

  it('allows 5 incoming messages in any second and closes with 1008 on the 6th', () => {
    const ws = fakeSocket();
    const drops: DropReason[] = [];
    const s = new CompatSession(1, ws, false, 0, { maxIncomingMessagesPerSec: 5, maxSocketBufferedBytes: 1000 }, (_s, why) => drops.push(why));
    for (const t of [0, 200, 400, 600, 800, 1001, 1250]) expect(s.countIncoming(t), `t=${t}`).toBe(true);
    expect(s.countIncoming(1300)).toBe(false); // 400..1300: six in one second
    expect(ws.closedWith).toEqual([1008, 'Too many requests']);
    expect(drops).toEqual(['rate']);
  });
});
