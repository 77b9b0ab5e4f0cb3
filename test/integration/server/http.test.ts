import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DownstreamServer } from '../../../src/server/server.js';
import { startServer } from './helpers.js';

let server: DownstreamServer | undefined;
let root: string;
let outside: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tickgate-web-'));
  outside = mkdtempSync(join(tmpdir(), 'tickgate-outside-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>tickgate</title>');
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'style.css'), 'body{}');
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'index.html'), 'sub');
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});
afterEach(async () => { await server?.stop(); server = undefined; });

/** Raw GET so the path is sent exactly as written (fetch would normalize ../). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http routes', () => {
  it('healthz is 200; readyz is 200 or 503 with the JSON reasons', async () => {
    let ready = false;
    server = await startServer({
      http: {
        health: () => ({ status: 'ok', pid: 42 }),
        readiness: () => ({ ready, reasons: { upstreams: ready ? 'ok' : 'binance: 0/2 connected', sinks: 'ok' } }),
      },
    });
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok', pid: 42 });
    const r1 = await fetch(`${server.url}/readyz`);
    expect(r1.status).toBe(503);
    expect(await r1.json()).toEqual({ ready: false, reasons: { upstreams: 'binance: 0/2 connected', sinks: 'ok' } });
    ready = true;
    const r2 = await fetch(`${server.url}/readyz`);
    expect(r2.status).toBe(200);
    expect(await r2.json()).toMatchObject({ ready: true });
  });

  it('passes metrics text and its content type through; serves /api/connections and /api/server JSON', async () => {
    server = await startServer({
      http: {
        metrics: async () => '# HELP tickgate_x x\ntickgate_x 3\n',
        metricsContentType: 'text/plain; version=0.0.4; charset=utf-8',
        connections: () => [{ venue: 'binance', state: 'connected' }],
      },
    });
    const m = await fetch(`${server.url}/metrics`);
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await m.text()).toBe('# HELP tickgate_x x\ntickgate_x 3\n');
    expect(await (await fetch(`${server.url}/api/connections`)).json()).toEqual([{ venue: 'binance', state: 'connected' }]);
    server.publish('status', { ok: true });
    const s = await (await fetch(`${server.url}/api/server`)).json() as { stats: { messagesPublished: number }; channels: unknown[] };
    expect(s.stats.messagesPublished).toBe(1);
    expect(s.channels).toHaveLength(1);
  });

  it('a failing provider answers 500 without killing the server', async () => {
    server = await startServer({ http: { metrics: async () => { throw new Error('registry broken'); } } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(500);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('serves static files with their content types, index.html for directories, the vendor chart build', async () => {
    server = await startServer({ staticDir: root });
    const cases: [string, string][] = [['/', 'text/html'], ['/app.js', 'text/javascript'], ['/style.css', 'text/css'], ['/sub/', 'text/html']];
    for (const [path, type] of cases) {
      const r = await rawGet(server.port, path);
      expect(r.status, path).toBe(200);
      expect(r.type, path).toContain(type);
    }
    expect((await rawGet(server.port, '/')).body).toContain('<title>tickgate</title>');
    const v = await rawGet(server.port, '/vendor/lightweight-charts.js');
    expect(v.status).toBe(200);
    expect(v.type).toContain('text/javascript');
    expect(v.body).toContain('LightweightCharts');
    expect((await rawGet(server.port, '/missing.js')).status).toBe(404);
  });

  it.each([
    '/../../../../etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/sub/..%5c..%5cetc%5cpasswd', '/link.txt', '/app.js%00.html',
  ])('refuses the path traversal %s', async (path) => {
    server = await startServer({ staticDir: root });
    const r = await rawGet(server.port, path);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('root:');
    expect(r.body).not.toContain('SECRET');
  });

  it('refuses methods other than GET and HEAD', async () => {
    server = await startServer();
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });
});
