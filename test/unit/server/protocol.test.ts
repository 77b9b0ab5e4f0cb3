import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../../src/server/protocol.js';

describe('parseClientMessage', () => {
  it('accepts subscribe with resume, unsubscribe and ping', () => {
    expect(parseClientMessage('{"op":"subscribe","channels":["status"],"resume":{"status":{"epoch":5,"seq":3}}}'))
      .toEqual({ ok: true, message: { op: 'subscribe', channels: ['status'], resume: { status: { epoch: 5, seq: 3 } } } });
    expect(parseClientMessage('{"op":"unsubscribe","channels":["status"]}')).toEqual({ ok: true, message: { op: 'unsubscribe', channels: ['status'] } });
    expect(parseClientMessage('{"op":"ping"}')).toEqual({ ok: true, message: { op: 'ping' } });
  });

  it.each([
    ['not json', 'bad_message'],
    ['[1]', 'bad_message'],
    ['{"op":"subscribe"}', 'bad_message'],
    ['{"op":"subscribe","channels":[]}', 'bad_message'],
    ['{"op":"subscribe","channels":[1]}', 'bad_message'],
    ['{"op":"subscribe","channels":["status"],"resume":{"status":{"epoch":1,"seq":-1}}}', 'bad_message'],
    ['{"op":"subscribe","channels":["status"],"resume":{"status":{"epoch":"1","seq":1}}}', 'bad_message'],
    ['{"op":"dance"}', 'unknown_op'],
  ])('refuses %s with %s', (text, code) => {
    const r = parseClientMessage(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });
});
