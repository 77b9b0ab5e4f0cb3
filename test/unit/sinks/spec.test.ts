import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/model/errors.js';
import { describeSinkSpec, parseSinkSpec } from '../../../src/sinks/spec.js';

describe('parseSinkSpec', () => {
  it.each([
    ['sqlite:./tickgate.db', { kind: 'sqlite', path: './tickgate.db', trades: false, synchronous: 'NORMAL' }],
    ['sqlite:/var/lib/t.db?trades=true&synchronous=full', { kind: 'sqlite', path: '/var/lib/t.db', trades: true, synchronous: 'FULL' }],
    ['jsonl:./out/', { kind: 'jsonl', dir: './out/', trades: false }],
    ['jsonl:/data?maxFileBytes=1000&maxFileAgeMs=60000', { kind: 'jsonl', dir: '/data', maxFileBytes: 1000, maxFileAgeMs: 60000 }],
    ['postgres://user@127.0.0.1:5432/db?schema=x', { kind: 'postgres', url: 'postgres://user@127.0.0.1:5432/db', schema: 'x', trades: false }],
    ['postgresql://u:pw@h/db', { kind: 'postgres', url: 'postgresql://u:pw@h/db', schema: 'tickgate' }],
    ['nats://127.0.0.1:4222?stream=TICKGATE', { kind: 'nats', servers: 'nats://127.0.0.1:4222', stream: 'TICKGATE', subjectPrefix: 'tickgate', trades: false }],
    ['nats://h:1?prefix=a.b&dupWindowMs=1000&trades=1', { kind: 'nats', subjectPrefix: 'a.b', duplicateWindowMs: 1000, trades: true }],
  ])('parses %s', (text, expected) => {
    expect(parseSinkSpec(text)).toMatchObject(expected);
  });

  it.each([
    ['', 'kind', /missing kind/],
    ['mysql://h/db', 'kind', /unknown sink kind "mysql"/],
    ['sqlite:', 'path', /missing database path/],
    ['sqlite:x.db?fsync=1', 'fsync', /unknown option "fsync"/],
    ['sqlite:x.db?trades=yes', 'trades', /"trades" must be true or false, got "yes"/],
    ['sqlite:x.db?synchronous=OFF', 'synchronous', /NORMAL or FULL/],
    ['jsonl:', 'dir', /missing directory/],
    ['jsonl:d?maxFileBytes=-5', 'maxFileBytes', /positive integer, got "-5"/],
    ['postgres://127.0.0.1:5432/', 'database', /database name/],
    ['postgres://127.0.0.1/db?schema=1bad', 'schema', /schema "1bad"/],
    ['postgres://127.0.0.1/db?schema=a;drop', 'schema', /plain identifier/],
    ['postgres://127.0.0.1/db?colour=red', 'colour', /unknown option "colour"/],
    ['nats://127.0.0.1:4222?stream=a.b', 'stream', /stream name "a.b"/],
    ['nats://127.0.0.1:4222?prefix=a.>', 'prefix', /subject prefix/],
    ['nats://127.0.0.1:4222/x', 'path', /unexpected path/],
  ])('rejects %j naming the bad part (%s)', (text, part, message) => {
    let err: unknown;
    try { parseSinkSpec(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).context['part']).toBe(part);
    expect((err as Error).message).toMatch(message);
  });

  it('never puts a password in an error or a description', () => {
    let msg = '';
    try { parseSinkSpec('postgres://u:hunter2@h/db?schema=bad-name'); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/schema/);
    expect(msg).not.toContain('hunter2');
    expect(describeSinkSpec(parseSinkSpec('postgres://u:hunter2@h/db'))).not.toContain('hunter2');
  });
});
