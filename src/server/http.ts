/**
 * HTTP side of the server port. Routes (GET and HEAD only):
 *
 *   /healthz          200 + providers.health() (process alive)                       public
 *   /readyz           200 or 503 + { ready, reasons } from providers.readiness()         public
 *   /metrics          providers.metrics() passed through (Prometheus text)               auth
 *   /api/connections  providers.connections() as JSON                                   auth
 *   /api/server       the downstream server's stats and clients as JSON                  auth
 *   /vendor/<file>    files mapped explicitly (e.g. lightweight-charts' standalone build) public
 *   /...              static files from staticDir ("/" → index.html)                     public
 *
 * Static pages hold no data; everything with data needs the same auth as the WebSocket.
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { pathOnly, type Authenticator } from './auth.js';

export interface Readiness {
  readonly ready: boolean;
  /** One entry per check, e.g. { upstreams: 'binance: 2/2 connected', sinks: 'ok' }. */
  readonly reasons: Readonly<Record<string, unknown>>;
}

/** What the gateway injects; src/server knows nothing of the parts behind them. */
export interface HttpProviders {
  health?(): Record<string, unknown>;
  readiness?(): Readiness;
  /** Prometheus exposition text (e.g. prom-client register.metrics()). */
  metrics?(): Promise<string>;
  /** Content type of metrics() (prom-client register.contentType). */
  readonly metricsContentType?: string;
  connections?(): unknown;
}

export interface HttpHandlerOptions {
  readonly providers: HttpProviders;
  readonly auth: Authenticator;
  /** Directory served at "/"; without it only the API routes exist. */
  readonly staticDir?: string;
  /** URL path (e.g. "/vendor/lightweight-charts.js") → absolute file path. */
  readonly files?: Readonly<Record<string, string>>;
  /** Extra JSON routes (auth required), e.g. "/api/server". */
  readonly jsonRoutes?: Readonly<Record<string, () => unknown>>;
  readonly onError?: (err: unknown, path: string) => void;
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Absolute path of a file inside an installed package (resolved through its package.json). */
export function resolvePackageFile(pkg: string, file: string, from: string = import.meta.url): string | undefined {
  try {
    const req = createRequire(from);
    return join(dirname(req.resolve(`${pkg}/package.json`)), file);
  } catch {
    return undefined;
  }
}

/** Default vendor files: the lightweight-charts standalone build, when installed. */
export function defaultVendorFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const lwc = resolvePackageFile('lightweight-charts', 'dist/lightweight-charts.standalone.production.js');
  if (lwc) out['/vendor/lightweight-charts.js'] = lwc;
  return out;
}

function json(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

/**
 * Maps a URL path to a file under root, or null when it would leave root (.., encoded dots,
 * NUL, backslashes, symlinks pointing outside) or is not a regular file.
 */
export function safeStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try { decoded = decodeURIComponent(urlPath); } catch { return null; }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((seg) => seg === '..')) return null;
  const rootAbs = resolve(root);
  let file = resolve(rootAbs, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  if (file !== rootAbs && !file.startsWith(rootAbs + sep)) return null;
  try {
    const real = realpathSync(file);
    const realRoot = realpathSync(rootAbs);
    if (!real.startsWith(realRoot + sep)) return null;
    const st = statSync(real);
    if (st.isDirectory()) {
      file = join(real, 'index.html');
      if (!statSync(file).isFile()) return null;
      return file;
    }
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

function sendFile(res: ServerResponse, file: string, head: boolean): void {
  let size: number;
  try { size = statSync(file).size; } catch { res.writeHead(404).end(); return; }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (head) { res.end(); return; }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const { providers, auth } = options;
  const files = options.files ?? {};
  const jsonRoutes = options.jsonRoutes ?? {};
  const startedAt = Date.now();

  const guarded = (req: IncomingMessage, res: ServerResponse): boolean => {
    const d = auth.check(req);
    if (d.ok) return true;
    json(res, d.status, { error: d.reason }, req.method === 'HEAD');
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOnly(req.url);
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/healthz':
        json(res, 200, providers.health?.() ?? { status: 'ok', uptimeS: Math.round((Date.now() - startedAt) / 1000) }, head);
        return;
      case '/readyz': {
        const r = providers.readiness?.() ?? { ready: true, reasons: {} };
        json(res, r.ready ? 200 : 503, { ready: r.ready, reasons: r.reasons }, head);
        return;
      }
      case '/metrics': {
        if (!guarded(req, res)) return;
        const text = providers.metrics ? await providers.metrics() : '';
        res.writeHead(200, { 'content-type': providers.metricsContentType ?? PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
        res.end(head ? undefined : text);
        return;
      }
      case '/api/connections':
        if (!guarded(req, res)) return;
        json(res, 200, providers.connections?.() ?? [], head);
        return;
    }
    const route = jsonRoutes[path];
    if (route) {
      if (guarded(req, res)) json(res, 200, route(), head);
      return;
    }
    const mapped = files[path];
    if (mapped) { sendFile(res, mapped, head); return; }
    if (options.staticDir) {
      const file = safeStaticPath(options.staticDir, path);
      if (file) { sendFile(res, file, head); return; }
    }
    json(res, 404, { error: 'not_found' }, head);
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err, pathOnly(req.url));
      if (!res.headersSent) json(res, 500, { error: 'internal_error' }, req.method === 'HEAD');
      else res.destroy();
    });
  };
}
