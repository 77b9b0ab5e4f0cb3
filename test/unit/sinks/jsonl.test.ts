import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlSink, readJsonl } from '../../../src/sinks/jsonl.js';
import { gap, mixed, snapshot, trade } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-jsonl-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

const files = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

describe('JsonlSink', () => {
  it('writes records as JSON lines that read back equal, decimals as strings', async () => {
    const sink = new JsonlSink({ dir, trades: true });
    await sink.open();
    const batch = [...mixed(0, 9), trade(1)];
    await sink.write(batch);
    await sink.close();
    const r = readJsonl(dir);
    expect(r.records).toEqual(batch);
    expect(r.lines).toBe(10);
  });

  it('declared trade gaps are written without the trades opt-in and read back equal, once per natural key', async () => {
    const sink = new JsonlSink({ dir });
    const gaps = [gap(0), gap(1), gap(0, { source: 'aggTrade' })];
    await sink.write([snapshot(0), ...gaps, trade(0)]);
    await sink.write(gaps); // replay: appended again, read back once
    await sink.close();
    const r = readJsonl(dir);
    expect(r.records).toEqual([snapshot(0), ...gaps]);
    expect(r.lines).toBe(7);
  });

  it('a replayed batch appends again but reads back once, highest revision winning', async () => {
    const sink = new JsonlSink({ dir });
    await sink.write(mixed(0, 6));
    await sink.write(mixed(0, 6));
    await sink.write([snapshot(0, { close: '7.77', revision: 4 })]);
    await sink.close();
    const r = readJsonl(dir);
    expect(r.lines).toBe(13);
    expect(r.records).toHaveLength(6);
    expect(r.records.find((x) => 'startTime' in x && x.startTime === snapshot(0).startTime && x.kind === 'snapshot')).toMatchObject({ close: '7.77', revision: 4 });
  });

  it('rotates by size and by age (injected clock)', async () => {
    let now = 1_000;
    const sink = new JsonlSink({ dir, maxFileBytes: 2_000, maxFileAgeMs: 60_000, now: () => now });
    for (let i = 0; i < 10; i++) await sink.write([snapshot(i)]);
    const bySize = files().length;
    expect(bySize).toBeGreaterThanOrEqual(3);
    now += 60_000;
    await sink.write([snapshot(100)]);
    expect(files().length).toBe(bySize + 1);
    await sink.close();
    expect(readJsonl(dir).records).toHaveLength(11);
  });

  it('a line torn by a crash is reported by the reader, not fatal, and a new run starts a new file', async () => {
    const a = new JsonlSink({ dir });
    await a.write(mixed(0, 3));
    const torn = a.currentFile();
    await a.close();
    appendFileSync(torn, '{"kind":"snapshot","venue":"bin');
    const b = new JsonlSink({ dir });
    await b.write(mixed(3, 3));
    await b.close();
    expect(b.currentFile()).not.toBe(torn);
    const r = readJsonl(dir);
    expect(r.records).toHaveLength(6);
    expect(r.badLines).toHaveLength(1);
  });
});
