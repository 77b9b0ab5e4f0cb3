import { describe, expect, it } from 'vitest';
import { errorFrame, parseRequest, resultFrame } from '../../../src/compat/binance/requests.js';

const err = (text: string): unknown => {
  const r = parseRequest(text);
  if (r.ok) throw new Error('expected an error');
  return JSON.parse(errorFrame(r.error, r.id));
};

describe('Binance stream requests', () => {
  it('parses the five methods with their ids', () => {
    expect(parseRequest('{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}')).toEqual({ ok: true, request: { method: 'SUBSCRIBE', id: 1, params: ['btcusdt@trade'] } });
    expect(parseRequest('{"method":"UNSUBSCRIBE","params":[],"id":"a-1"}')).toMatchObject({ ok: true, request: { id: 'a-1' } });
    expect(parseRequest('{"method":"LIST_SUBSCRIPTIONS","id":3}')).toMatchObject({ ok: true, request: { method: 'LIST_SUBSCRIPTIONS' } });
    expect(parseRequest('{"method":"SET_PROPERTY","params":["combined",true],"id":5}')).toMatchObject({ ok: true, request: { combined: true } });
    expect(parseRequest('{"method":"GET_PROPERTY","params":["combined"],"id":2}')).toMatchObject({ ok: true, request: { method: 'GET_PROPERTY' } });
    expect(resultFrame(null, 1)).toBe('{"result":null,"id":1}');
  });

  it('answers malformed requests with Binance codes 0-3 and the request id where known', () => {
    expect(err('{not json')).toEqual({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null });
    expect(err('[1,2]')).toMatchObject({ error: { code: 2 }, id: null });
    expect(err('{"method":"SUBSCRIBE","params":["x"],"id":1,"extra":1}')).toEqual({ error: { code: 0, msg: 'Unknown property: extra' }, id: 1 });
    expect(err('{"method":"SET_PROPERTY","params":["combined","yes"],"id":4}')).toEqual({ error: { code: 1, msg: 'Invalid value type: expected Boolean' }, id: 4 });
    expect(err('{"method":"FOO","id":7}')).toMatchObject({ error: { code: 2, msg: expect.stringContaining('unknown variant `FOO`') }, id: 7 });
    expect(err('{"method":"SUBSCRIBE","params":"btcusdt@trade","id":8}')).toMatchObject({ error: { code: 2 }, id: 8 });
    expect(err('{"method":"SUBSCRIBE","params":[],"id":{"x":1}}')).toMatchObject({ error: { code: 2 }, id: null });
  });
});
