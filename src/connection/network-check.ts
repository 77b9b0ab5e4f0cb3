/**
 * Pre-connect network check: resolve the host, open (and close) a TCP connection, with retries
 * (default 3 attempts, waits 1 s then 2 s, whole budget 10 s, 5 s per connect). Tells "our
 * network/DNS is down" apart from "the venue refuses us". Failures before the last attempt are
 * warnings; the last one is an error (E_NETWORK_UNREACHABLE).
 */
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { ConnectionError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import { sleep } from './token-bucket.js';

export interface NetworkCheckSettings {
  readonly attempts: number;
  readonly retryDelaysMs: readonly number[];
  readonly totalMs: number;
  readonly connectTimeoutMs: number;
}

export interface NetworkCheckDeps {
  readonly resolve?: (host: string) => Promise<string>;
  readonly probe?: (address: string, port: number, timeoutMs: number) => Promise<void>;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export interface NetworkCheckResult {
  readonly address: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

async function defaultResolve(host: string): Promise<string> {
  const r = await lookup(host.replace(/^\[|\]$/g, ''));
  return r.address;
}

function defaultProbe(address: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`tcp connect to ${address}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

export async function checkNetwork(host: string, port: number, settings: NetworkCheckSettings, deps: NetworkCheckDeps = {}): Promise<NetworkCheckResult> {
  const resolve = deps.resolve ?? defaultResolve;
  const probe = deps.probe ?? defaultProbe;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger();
  const started = now();
  let lastErr: unknown;
  for (let attempt = 1; attempt <= settings.attempts; attempt++) {
    deps.signal?.throwIfAborted();
    const left = settings.totalMs - (now() - started);
    try {
      const address = await resolve(host);
      await probe(address, port, Math.max(1, Math.min(settings.connectTimeoutMs, left)));
      return { address, attempts: attempt, elapsedMs: now() - started };
    } catch (err) {
      lastErr = err;
      const wait = settings.retryDelaysMs[Math.min(attempt - 1, settings.retryDelaysMs.length - 1)] ?? 0;
      const budgetLeft = settings.totalMs - (now() - started) - wait;
      const last = attempt === settings.attempts || budgetLeft <= 0;
      const fields = { host, port, attempt, error: err instanceof Error ? err.message : String(err) };
      if (last) {
        logger.error(fields, 'network check failed');
        break;
      }
      logger.warn({ ...fields, retryInMs: wait }, 'network check attempt failed');
      await sleep(wait, deps.signal);
    }
  }
  throw new ConnectionError('E_NETWORK_UNREACHABLE', `network check of ${host}:${port} failed: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`, {
    context: { host, port },
    retryable: true,
    cause: lastErr,
  });
}

/** 'auto' checks every host except loopback ones. */
export function shouldCheckNetwork(mode: ConnectionOptions['networkCheck'], host: string): boolean {
  return mode === 'on' || (mode === 'auto' && !isLoopbackHost(host));
}

export function preConnectCheck(host: string, port: number, o: ConnectionOptions, deps: NetworkCheckDeps): Promise<void> {
  const settings = { attempts: o.networkCheckAttempts, retryDelaysMs: o.networkCheckRetryDelaysMs, totalMs: o.networkCheckTotalMs, connectTimeoutMs: o.networkCheckConnectTimeoutMs };
  return checkNetwork(host, port, settings, deps).then(() => undefined);
}

/** Connect timeout of an attempt after `failuresInRow` failures (progressive schedule when set). */
export function connectTimeoutFor(o: ConnectionOptions, failuresInRow: number): number {
  const schedule = o.connectTimeoutScheduleMs;
  if (!schedule || schedule.length === 0) return o.connectTimeoutMs;
  return schedule[Math.min(failuresInRow, schedule.length - 1)] ?? o.connectTimeoutMs;
}

export function hostOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : u.protocol === 'wss:' || u.protocol === 'https:' ? 443 : 80;
  return { host: u.hostname, port };
}
