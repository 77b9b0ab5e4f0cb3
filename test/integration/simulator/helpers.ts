/** Test helpers: a ws client that records frames and lets a test await a condition. */
import { afterEach } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../simulator/index.js';

export interface Recorder {
  readonly ws: WebSocket;
  readonly texts: string[];
  readonly pings: number[];
  closeCode: number | null;
  closeReason: string;
  /** Resolves when predicate(texts) is true (checked on every message), rejects after timeoutMs. */
  until(predicate: (texts: string[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  closed(timeoutMs?: number): Promise<number>;
  send(obj: unknown): void;
  close(): void;
}

export function record(url: string, opts: ClientOptions = {}): Promise<Recorder> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
    const texts: string[] = [];
    const pings: number[] = [];
    const waiters: Array<() => void> = [];
    const closeWaiters: Array<(code: number) => void> = [];
    const rec: Recorder = {
      ws, texts, pings, closeCode: null, closeReason: '',
      until(predicate, timeoutMs = 5000, what = 'condition') {
        return new Promise<void>((res, rej) => {
          if (predicate(texts)) return res();
          const timer = setTimeout(() => {
            const i = waiters.indexOf(check);
            if (i >= 0) waiters.splice(i, 1);
            rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${texts.length} frames)`));
          }, timeoutMs);
          function check(): void {
            if (predicate(texts)) {
              clearTimeout(timer);
              const i = waiters.indexOf(check);
              if (i >= 0) waiters.splice(i, 1);
              res();
            }
          }
          waiters.push(check);
        });
      },
      closed(timeoutMs = 5000) {
        return new Promise<number>((res, rej) => {
          if (rec.closeCode !== null) return res(rec.closeCode);
          const timer = setTimeout(() => rej(new Error(`socket not closed after ${timeoutMs} ms`)), timeoutMs);
          closeWaiters.push((code) => {
            clearTimeout(timer);
            res(code);
          });
        });
      },
      send(obj) {
        ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
      },
      close() {
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      },
    };
    ws.on('message', (data) => {
      texts.push(data.toString());
      for (const w of [...waiters]) w();
    });
    ws.on('ping', () => pings.push(Date.now()));
    ws.on('close', (code, reason) => {
      rec.closeCode = code;
      rec.closeReason = reason.toString();
      for (const w of closeWaiters.splice(0)) w(code);
      for (const w of [...waiters]) w();
    });
    ws.once('open', () => resolve(rec));
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.OPEN) reject(err);
    });
  });
}

export function parseAll<T = Record<string, unknown>>(texts: readonly string[]): T[] {
  return texts.map((t) => JSON.parse(t) as T);
}

export async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text.length > 0 ? JSON.parse(text) : null) as T };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Apply [price, qty] levels to a side map (qty "0..." removes the level). */
export function applyLevels(side: Map<string, string>, levels: ReadonlyArray<readonly [string, string]>): void {
  for (const [p, q] of levels) {
    if (/^0(\.0*)?$/.test(q)) side.delete(p);
    else side.set(p, q);
  }
}

export function sortedLevels(side: Map<string, string>, desc: boolean): Array<[string, string]> {
  return [...side.entries()].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
}

/** What a describe block's tests start: a simulator and recorders on it. */
export interface SimulatorFixture {
  /** Starts this test's simulator (closed after the test). */
  start(opts?: SimulatorOptions): Promise<Simulator>;
  /** A Recorder on `url`, closed after the test. */
  open(url: string, opts?: ClientOptions): Promise<Recorder>;
}

/** Registers the afterEach that closes what each test of the block started: recorders, then the simulator. */
export function simulatorFixture(): SimulatorFixture {
  let sim: Simulator | null = null;
  const clients: Recorder[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.close();
    sim = null;
  });
  return {
    async start(opts = {}) {
      sim = await startSimulator(opts);
      return sim;
    },
    async open(url, opts = {}) {
      const r = await record(url, opts);
      clients.push(r);
      return r;
    },
  };
}
