import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { checkNetwork } from '../../../src/connection/network-check.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Writable } from 'node:stream';

afterEach(() => vi.useRealTimers());

const settings = { attempts: 3, retryDelaysMs: [1_000, 2_000, 4_000], totalMs: 10_000, connectTimeoutMs: 5_000 };

function capture(): { logger: ReturnType<typeof createLogger>; levels: number[] } {
  const levels: number[] = [];
  const dest = new Writable({ write(chunk: Buffer, _e, cb) { levels.push((JSON.parse(chunk.toString()) as { level: number }).level); cb(); } });
  return { logger: createLogger({ level: 'debug' }, dest), levels };
}

describe('checkNetwork', () => {
  it('retries after 1 s and 2 s: warnings before the last attempt, an error on the last (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const calls: number[] = [];
    const start = Date.now();
    const { logger, levels } = capture();
    const p = checkNetwork('venue.example', 443, settings, {
      resolve: async () => { calls.push(Date.now() - start); throw new Error('ENOTFOUND'); },
      probe: async () => {}, logger, now: Date.now,
    });
    const outcome = expect(p).rejects.toMatchObject({ code: 'E_NETWORK_UNREACHABLE', context: { host: 'venue.example', port: 443 } });
    await vi.advanceTimersByTimeAsync(10_000);
    await outcome;
    expect(calls).toEqual([0, 1_000, 3_000]);
    expect(levels).toEqual([40, 40, 50]);
  });

  it('succeeds on the second attempt and reports the attempts used', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let n = 0;
    const p = checkNetwork('venue.example', 443, settings, {
      resolve: async () => '10.0.0.1',
      probe: async () => { if (++n === 1) throw new Error('ECONNREFUSED'); },
      now: Date.now,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(p).resolves.toMatchObject({ address: '10.0.0.1', attempts: 2, elapsedMs: 1_000 });
  });

  it('real DNS + TCP: loopback listener passes, a closed port fails', async () => {
    const server = createServer((s) => s.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    await expect(checkNetwork('localhost', port, settings)).resolves.toMatchObject({ attempts: 1 });
    await new Promise<void>((r) => server.close(() => r()));
    await expect(checkNetwork('127.0.0.1', port, { ...settings, attempts: 1 })).rejects.toMatchObject({ code: 'E_NETWORK_UNREACHABLE' });
  });
});
