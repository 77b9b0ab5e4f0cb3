import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { Authenticator, isLoopbackAddress, isLoopbackHost, pathOnly, presentedToken } from '../../../src/server/auth.js';

const req = (url: string, headers: Record<string, string> = {}, address = '127.0.0.1'): IncomingMessage =>
  ({ url, headers, socket: { remoteAddress: address } }) as unknown as IncomingMessage;

describe('auth', () => {
  it('recognizes loopback peers in v4, v6 and mapped form', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::', undefined]) expect(isLoopbackAddress(a)).toBe(false);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });

  it('without a token accepts loopback and refuses a remote peer with 403', () => {
    const a = new Authenticator(undefined);
    expect(a.check(req('/ws'))).toEqual({ ok: true });
    expect(a.check(req('/ws', {}, '192.168.1.9'))).toEqual({ ok: false, status: 403, reason: 'not_loopback' });
  });

  it('with a token requires it from header or query, from any peer', () => {
    const a = new Authenticator('s3cret');
    expect(a.check(req('/ws', {}, '10.1.1.1'))).toMatchObject({ ok: false, status: 401, reason: 'missing_token' });
    expect(a.check(req('/ws?token=nope', {}, '10.1.1.1'))).toMatchObject({ ok: false, status: 401, reason: 'bad_token' });
    expect(a.check(req('/ws?token=s3cret', {}, '10.1.1.1'))).toEqual({ ok: true });
    expect(a.check(req('/ws', { authorization: 'Bearer s3cret' }, '10.1.1.1'))).toEqual({ ok: true });
    expect(a.check(req('/ws', { authorization: 'Bearer s3cre' }, '10.1.1.1')).ok).toBe(false);
  });

  it('extracts tokens and strips queries for logging', () => {
    expect(presentedToken(req('/ws?x=1&token=abc'))).toBe('abc');
    expect(presentedToken(req('/ws', { authorization: 'bearer  xyz ' }))).toBe('xyz');
    expect(pathOnly('/ws?token=abc')).toBe('/ws');
  });
});
